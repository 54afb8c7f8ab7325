import type { MfaMethod } from '../../src/kit/index.ts';

/**
 * An authenticator app's passcode (TOTP, see totp.ts) on a phone or a
 * tablet; it can be added to a phone that already exists. admit takes each
 * time step once (no replay).
 */
export const totpMethod: MfaMethod = {
  id: 'totp',
  label: 'Authenticator app',
  action: 'Passcode',
  icon: 'app',
  amr: 'otp',
  prompt: { kind: 'code', title: 'Enter a passcode', label: 'Passcode from your authenticator app', format: 'digits' },
  deviceTypes: ['mobile', 'tablet'],
  addToExisting: true,
  provesIdentity: true,
  carriedBy: (device) => (device.type === 'mobile' || device.type === 'tablet') && Boolean(device.totp),
  async verify({ device, code }, tools) {
    if (!device?.totp || !code) return { status: 'unavailable' };
    const outcome = await tools.totp.verify(device.id, device.totp.sealedSecret, code);
    return outcome === 'ok' ? { status: 'ok', amr: 'otp' } : { status: outcome };
  },
};
