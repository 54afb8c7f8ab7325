import { AppError } from '../../errors/app-error.ts';
import { continueSignIn } from '../continue-sign-in.ts';
import { browserLabel } from './browser-label.ts';
import type { MfaProgress } from './progress.ts';
import type { MfaRequest } from './request.ts';

/**
 * A factor was just proved: go where the user was headed (My Settings &
 * Devices, adding a device) or finish the step.
 */
export async function factorProved(request: MfaRequest, amr: string): Promise<void> {
  const progress: MfaProgress = { ...request.progress, verifiedAt: Date.now(), challenge: undefined, promptVerified: true };
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

/**
 * Ends the MFA step without a factor: only where Duo let the user through
 * (Duo unreachable on a fail-open site, or a device Duo remembers). No
 * trusted browser, no freshness for managing devices, and amr claims no
 * second factor; the session satisfies the step for a short while only.
 */
export async function completeWithoutFactor(request: MfaRequest, reason: 'duo_fail_open' | 'duo_no_factor'): Promise<void> {
  const { who, ctx } = request;
  await request.mfa.duo.recordPassWithoutFactor(who.accountId);
  request.mfa.audit(ctx, who, 'mfa_passed_without_factor', reason);
  const state = await request.save({ ...request.progress, page: 'choose', challenge: undefined, after: undefined, done: true, enrolling: undefined });
  await continueSignIn(request.deps, ctx, request.uid, state);
}
