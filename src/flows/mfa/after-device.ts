import type { MfaProgress } from './progress.ts';
import type { MfaRequest } from './request.ts';

/**
 * Where the wizard goes once a device is saved: recovery codes are offered
 * once, at the end of the first enrollment (when the user has none), then
 * "My Settings & Devices".
 */
export async function afterDevice(request: MfaRequest, progress: MfaProgress): Promise<MfaProgress> {
  const offer = request.who.policy.recoveryCodes && !progress.recoveryOffered && (await request.mfa.recoveryCodesLeft(request.who.accountId)) === 0;
  return { ...progress, enrolling: undefined, enrolled: true, unfinished: undefined, page: offer ? 'recovery' : 'settings' };
}
