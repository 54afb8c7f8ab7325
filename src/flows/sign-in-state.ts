import type { Context } from 'koa';
import type Provider from 'oidc-provider';

/**
 * What the sign-in has established so far. It lives in the oidc-provider
 * interaction (its `result.admit`), not in a second session store, and ends
 * with it: an abandoned sign-in leaves nothing behind.
 */
export interface SignInState {
  siteId: string;
  /** The user name as typed at sign-in (password rules compare against it). */
  username: string;
  /** Empty until the directory has told who this is (an expired password hides it until changed). */
  accountId: string;
  /** Methods proved in this sign-in so far, in order (`pwd`, then `otp`, `sms`, …). */
  amr: string[];
  /** The directory says the password must be changed before going on. */
  passwordChangeRequired?: boolean;
  /**
   * The step the sequencer sent the browser to (see sequencer.ts): the only
   * step whose pages answer. Written by continueSignIn alone.
   */
  current?: string;
  /** Step-specific data, keyed by step name (e.g. the MFA wizard's progress). */
  steps?: Record<string, unknown>;
}

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

export function readSignInState(details: Details): SignInState | undefined {
  const state = (details.result as { admit?: SignInState } | undefined)?.admit;
  return state && typeof state.accountId === 'string' ? state : undefined;
}

/** Saves the state into the interaction, keeping whatever else the interaction holds. */
export async function saveSignInState(provider: Provider, ctx: Context, state: SignInState): Promise<void> {
  await provider.interactionResult(ctx.req, ctx.res, { admit: state }, { mergeWithLastSubmission: true });
}
