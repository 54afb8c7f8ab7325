import { AppError } from '../../errors/app-error.ts';
import { continueSignIn } from '../continue-sign-in.ts';
import type { MfaRequest } from './request.ts';
import type { MfaProgress } from './progress.ts';
import { browserLabel } from './browser-label.ts';

/**
 * A factor was just proved: go where the user was headed (My Settings &
 * Devices, adding a device) or finish the step.
 */
export async function factorProved(request: MfaRequest, amr: string): Promise<void> {
  const progress: MfaProgress = { ...request.progress, verifiedAt: Date.now(), challenge: undefined };
  if (progress.after === 'settings') return request.go({ ...progress, page: 'settings', after: undefined }, amr);
  if (progress.after === 'device') return request.go({ ...progress, page: 'device', after: undefined }, amr);
  return completeSecondFactor(request, progress, amr);
}

/**
 * Ends the MFA step: trusts the browser when the box is checked, marks the
 * step done and lets the sign-in go on. Only after a factor was proved in
 * this sign-in; nothing else can end the step.
 */
export async function completeSecondFactor(request: MfaRequest, progress: MfaProgress, amr?: string): Promise<void> {
  if (progress.verifiedAt === undefined) throw new AppError('mfa_out_of_turn', 409);
  const { who, ctx } = request;
  const days = who.policy.trustBrowserDays;
  if (progress.trust && days > 0) {
    const { token } = await request.mfa.trustedBrowsers.trust(who.accountId, { days, label: browserLabel(ctx.get('user-agent')) });
    request.trustCookie.add(ctx, token, days);
    request.mfa.audit(ctx, who, 'mfa_trusted_browser', 'created', { days });
  }
  const state = await request.save({ ...progress, done: true, enrolling: undefined }, amr);
  await continueSignIn(request.deps, ctx, request.uid, state);
}
