import type { Context } from 'koa';
import { SECOND_FACTOR_AMR } from '../kit/mfa-method.ts';
import { ACR_MFA, ACR_PASSWORD } from '../oidc/provider.ts';
import type { FlowDeps } from './deps.ts';
import { stepUrl } from './sequencer.ts';
import { type SignInState, saveSignInState } from './sign-in-state.ts';

export const PASSWORD_STEP = 'password';

/** What counts as a second factor for `acr`: a factor's amr (the kit's one list), or `mfa` (a trusted browser where the site says it counts). */
const countsAsSecondFactor = (method: string) => SECOND_FACTOR_AMR.has(method) || method === 'mfa';

/**
 * The sequencer's one way forward: records the first step still needed as
 * the sign-in's current step (the only one whose pages answer, see
 * sequencer.ts) and sends the browser there, or, when none is needed,
 * finishes the login with what was proved (amr, acr).
 */
export async function continueSignIn(deps: FlowDeps, ctx: Context, uid: string, state: SignInState): Promise<void> {
  // Until the account is known (an expired password hides it), only the password change can run.
  const steps = state.accountId ? deps.steps : deps.steps.filter((step) => step.name === PASSWORD_STEP);
  for (const step of steps) {
    if (await step.isNeeded(ctx, state)) {
      await saveSignInState(deps.provider, ctx, { ...state, current: step.name });
      ctx.status = 303;
      ctx.redirect(stepUrl(uid, step.name));
      return;
    }
  }
  const account = await deps.accounts.find(state.accountId);
  if (account?.status !== 'active') {
    ctx.status = 303;
    ctx.redirect(`/interaction/${uid}`);
    return;
  }
  // Recorded, not guessed from timestamps: the first sign-in is over once one has gone through every step.
  if (!account.firstSignInAt) await deps.accounts.save({ ...account, firstSignInAt: new Date().toISOString() });
  const amr = [...new Set(state.amr)];
  const multiFactor = amr.some(countsAsSecondFactor);
  if (multiFactor && !amr.includes('mfa')) amr.push('mfa');
  await deps.provider.interactionFinished(
    ctx.req,
    ctx.res,
    {
      admit: undefined,
      login: { accountId: state.accountId, amr, acr: multiFactor ? ACR_MFA : ACR_PASSWORD, remember: true },
    },
    { mergeWithLastSubmission: false },
  );
}
