import type { MfaMethod } from '../../src/kit/index.ts';

/**
 * A recovery code (see recovery-codes.ts): the account's, not a device's,
 * usable once each. A proof for Reset Password / Unlock Account too.
 */
export const recoveryMethod: MfaMethod = {
  id: 'recovery',
  label: 'Recovery code',
  action: 'Recovery code',
  icon: 'recovery',
  amr: 'otp',
  prompt: { kind: 'code', title: 'Enter a recovery code', label: 'Recovery code', format: 'text' },
  deviceTypes: [],
  provesIdentity: true,
  carriedBy: () => false,
  available: async (accountId, tools) => (await tools.recoveryCodes.remaining(accountId)) > 0,
  async verify({ accountId, code }, tools) {
    if (!code) return { status: 'invalid' };
    return (await tools.recoveryCodes.consume(accountId, code)) ? { status: 'ok', amr: 'otp' } : { status: 'invalid' };
  },
};
