import type { Context, Next } from 'koa';
import type { FlowDeps } from './deps.ts';
import { readSignInState, type SignInState } from './sign-in-state.ts';

/**
 * The sign-in sequencer's guard: the one place that decides which pages of
 * an interaction answer. A sign-in is at exactly one step at a time — the
 * first factor until a directory said who this is, then the step
 * continueSignIn recorded in the state (approval → MFA → Change Password).
 * A request for any other step's pages, GET or POST, is sent (303) to the
 * current step, so no step can be reached out of order by typing its URL,
 * and a reload or Back lands where the sign-in is.
 *
 * The steps themselves only check their own page order (the MFA wizard's
 * pages); the order of the steps is kept here and nowhere else.
 */

/** The first factor's pages: the sign-in form and "Sign in with Microsoft". */
export const FIRST_FACTOR = 'login';
const FIRST_FACTOR_SEGMENTS = new Set([FIRST_FACTOR, 'federated']);

/** Where the current step of a sign-in lives. */
export function stepUrl(uid: string, step: string | undefined): string {
  return !step || step === FIRST_FACTOR ? `/interaction/${uid}` : `/interaction/${uid}/${step}`;
}

/** The step a sign-in is at: the first factor until the state exists. */
export function currentStep(state: SignInState | undefined): string {
  return state?.current ?? FIRST_FACTOR;
}

export function stepGuard(deps: Pick<FlowDeps, 'provider' | 'steps'>) {
  const guarded = new Set([...FIRST_FACTOR_SEGMENTS, ...deps.steps.map((step) => step.name)]);
  return async function guardStep(ctx: Context, next: Next): Promise<void> {
    // /interaction/<uid>/<segment>/…
    const [, , uid, segment] = ctx.path.split('/');
    if (!uid || !segment || !guarded.has(segment)) return next() as Promise<void>;
    const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
    // Consent and finished interactions are answered (and refused) by their own routes.
    if (details.prompt.name !== 'login') return next() as Promise<void>;
    const current = currentStep(readSignInState(details));
    const requested = FIRST_FACTOR_SEGMENTS.has(segment) ? FIRST_FACTOR : segment;
    if (requested === current) return next() as Promise<void>;
    ctx.set('cache-control', 'no-store');
    ctx.status = 303;
    ctx.redirect(stepUrl(details.uid, current));
  };
}
