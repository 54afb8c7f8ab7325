import type { MfaMethod } from '../../src/kit/index.ts';

/**
 * A security key or passkey (WebAuthn, see webauthn.ts), answered through
 * the page's script. `hwk` for a key bound to one device, `swk` for a
 * synced passkey. Not a proof for Reset Password: those pages take codes.
 */
export const webauthnMethod: MfaMethod = {
  id: 'webauthn',
  label: 'Security key',
  action: 'Security key',
  icon: 'key',
  amr: 'hwk',
  prompt: { kind: 'key' },
  deviceTypes: ['security_key'],
  provesIdentity: false,
  carriedBy: (device) => device.type === 'security_key' && Boolean(device.webauthn),
  async verify({ accountId, bindTo, response }, tools) {
    const verified = await tools.securityKeys.verifyAuthentication({ bindTo, accountId, response });
    return verified ? { status: 'ok', amr: verified.amr, deviceId: verified.deviceId } : { status: 'invalid' };
  },
};
