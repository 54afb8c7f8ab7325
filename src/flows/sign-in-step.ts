import type { Context } from 'koa';
import type Router from '@koa/router';
import type { SignInState } from './sign-in-state.ts';
import type { FlowDeps } from './deps.ts';

/**
 * A step of the sign-in after the first factor (approval gate, MFA,
 * password change…). Steps run in the order they are registered; the login
 * is finished only when no step is still needed. A step owns the pages under
 * /interaction/:uid/<name>/… and, when done, records it in the state and calls
 * `continueSignIn` again.
 */
export interface SignInStep {
  readonly name: string;
  /** Whether this sign-in still has to pass this step. */
  isNeeded(ctx: Context, state: SignInState): Promise<boolean>;
  /**
   * Whether an existing SSO session still satisfies this step (e.g. MFA done
   * and not reset since). Run as an oidc-provider login check on every
   * authorization request: false sends the user through sign-in again.
   * `request` is that authorization request: its parameters (acr_values,
   * claims, max_age for step-up) and its context (cookies).
   */
  sessionSatisfies?(accountId: string, session: { amr?: string[]; acr?: string; loginTs?: number }, request: { ctx: Context; params: Record<string, unknown> }): Promise<boolean>;
  /** The sign-in was cancelled: undo what this step started and did not finish. */
  abandon?(ctx: Context, state: SignInState): Promise<void>;
  /** Adds the step's pages to the interaction router (paths relative to /interaction/:uid). */
  routes(router: Router, deps: FlowDeps): void;
}
