import type { Context } from 'koa';
import { ACR_MFA, ACR_PASSWORD } from '../oidc/provider.ts';
import type { FlowDeps } from './deps.ts';
import { saveSignInState, type SignInState } from './sign-in-state.ts';

export const PASSWORD_STEP = 'password';

/** Methods that count as a second factor for `acr` (RFC 8176 values). */
const SECOND_FACTORS = new Set(['otp', 'sms', 'tel', 'hwk', 'swk', 'mfa']);

/**
 * Moves the sign-in on: to the first step still needed, or, when none is,
 * finishes the login with what was proved (amr, acr).
 */
export async function continueSignIn(deps: FlowDeps, ctx: Context, uid: string, state: SignInState): Promise<void> {
  // Until the account is known (an expired password hides it), only the password change can run.
  const steps = state.accountId ? deps.steps : deps.steps.filter((step) => step.name === PASSWORD_STEP);
  for (const step of steps) {
    if (await step.isNeeded(ctx, state)) {
      await saveSignInState(deps.provider, ctx, state);
      ctx.status = 303;
      ctx.redirect(`/interaction/${uid}/${step.name}`);
      return;
    }
  }
  const account = await deps.accounts.find(state.accountId);
  if (!account || account.status !== 'active') {
    ctx.status = 303;
    ctx.redirect(`/interaction/${uid}`);
    return;
  }
  const amr = [...new Set(state.amr)];
  const multiFactor = amr.some((method) => SECOND_FACTORS.has(method));
  if (multiFactor && !amr.includes('mfa')) amr.push('mfa');
  await deps.provider.interactionFinished(ctx.req, ctx.res, {
    admit: undefined,
    login: { accountId: state.accountId, amr, acr: multiFactor ? ACR_MFA : ACR_PASSWORD, remember: true },
  }, { mergeWithLastSubmission: false });
}
