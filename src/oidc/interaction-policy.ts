import type { Context } from 'koa';
import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { AccountService } from '../services/accounts.ts';

const { base, Check } = interactionPolicy;

/**
 * What the login checks ask of a sign-in step (flows' SignInStep extends it):
 * its name, and whether an existing SSO session still satisfies it.
 */
export interface SessionGate {
  readonly name: string;
  /**
   * Whether an existing SSO session still satisfies this step (e.g. MFA done
   * and not reset since). Run as an oidc-provider login check on every
   * authorization request: false sends the user through sign-in again.
   * `request` is that authorization request: its parameters (acr_values,
   * claims, max_age for step-up) and its context (cookies).
   */
  sessionSatisfies?(
    accountId: string,
    session: { amr?: string[]; acr?: string; loginTs?: number },
    request: { ctx: Context; params: Record<string, unknown> },
  ): Promise<boolean>;
}

/**
 * oidc-provider's default prompts (login, consent) plus admit's gates as
 * login checks. Because they are checks, every authorization request passes
 * them, whatever the client asks (`prompt=none` included): an existing
 * session whose account was disabled must sign in again.
 */
export function createInteractionPolicy({ accounts, steps }: { accounts: AccountService; steps: SessionGate[] }) {
  const policy = base();
  const login = policy.get('login');
  if (!login) throw new Error('oidc-provider no longer has a login prompt');

  login.checks.add(
    new Check('account_inactive', 'End-User authentication is required', 'login_required', async (ctx: KoaContextWithOIDC) => {
      const accountId = ctx.oidc.session?.accountId;
      if (!accountId) return Check.NO_NEED_TO_PROMPT;
      const account = await accounts.find(accountId);
      return account?.status === 'active' ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
    }),
  );

  for (const step of steps) {
    const { sessionSatisfies } = step;
    if (!sessionSatisfies) continue;
    login.checks.add(
      new Check(`${step.name}_required`, 'End-User authentication is required', 'login_required', async (ctx: KoaContextWithOIDC) => {
        const session = ctx.oidc.session;
        if (!session?.accountId) return Check.NO_NEED_TO_PROMPT;
        // Resuming with the login admit's sign-in just finished: every step was
        // asked (isNeeded) before it finished, so asking again here would only
        // re-read what that request read. The account check above still runs.
        if (justSignedIn(ctx)) return Check.NO_NEED_TO_PROMPT;
        const satisfied = await sessionSatisfies.call(
          step,
          session.accountId,
          { amr: session.amr, acr: session.acr, loginTs: session.loginTs },
          { ctx, params: ctx.oidc.params ?? {} },
        );
        return satisfied ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
      }),
    );
  }

  return policy;
}

/** The authorization request resumes the interaction in which admit's sign-in (continueSignIn) finished the login. */
function justSignedIn(ctx: KoaContextWithOIDC): boolean {
  return (ctx.oidc.result as { login?: unknown } | undefined)?.login !== undefined;
}
