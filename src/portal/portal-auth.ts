import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import type { FirstPartySignIn } from '../oidc/first-party-sign-in.ts';
import { PORTAL_CLIENT_ID } from '../oidc/portal-client.ts';
import type { Account, AccountService } from '../services/accounts.ts';
import { createApplications } from './applications.ts';

export interface PortalUser {
  account: Account;
  sessionId: string;
  amr: string[];
  /** When the user last proved who they are (seconds since epoch). */
  authTime: number;
}

/** What a sign-in started by the portal may add to its authorization request. */
export interface PortalSignInOptions {
  prompt?: 'login';
  loginHint?: string;
  /** `admit_manage=devices`: the portal's "Manage devices" (see flows/mfa/step-up.ts). */
  manage?: 'devices';
}

/**
 * Who is signed in to the portal: the SSO session of this browser. Signing
 * in goes through /auth like any application (so every gate applies), with
 * state and PKCE, the code redeemed in-process (oidc/first-party-sign-in.ts);
 * `return_to` is limited to portal paths, so it cannot redirect elsewhere.
 */
export function createPortalAuth({
  provider,
  accounts,
  issuer,
  signIn,
}: {
  provider: Provider;
  accounts: AccountService;
  issuer: string;
  signIn: FirstPartySignIn;
}) {
  async function currentUser(ctx: Context): Promise<PortalUser | undefined> {
    const session = await provider.Session.get(ctx);
    if (!session.accountId) return undefined;
    const account = await accounts.find(session.accountId);
    if (account?.status !== 'active') return undefined;
    return { account, sessionId: session.jti, amr: session.amr ?? [], authTime: session.loginTs ?? 0 };
  }

  /** Middleware: sets ctx.state.user, or sends the browser to sign in first. */
  async function requireUser(ctx: Context, next: Next): Promise<void> {
    const user = await currentUser(ctx);
    if (!user) return startSignIn(ctx, ctx.path);
    ctx.state.user = user;
    await next();
  }

  function startSignIn(ctx: Context, returnTo: string, options: PortalSignInOptions = {}): Promise<void> {
    return signIn.start(ctx, {
      returnTo: safeReturn(returnTo),
      prompt: options.prompt,
      loginHint: options.loginHint,
      extraParams: options.manage ? { admit_manage: options.manage } : undefined,
    });
  }

  /** The end of the portal's sign-in: the code redeemed once, then where the user was going (the portal's front page if they cancelled). */
  async function callback(ctx: Context): Promise<void> {
    const result = await signIn.finish(ctx);
    ctx.status = 303;
    ctx.redirect('error' in result ? '/portal' : safeReturn(result.returnTo));
  }

  /** Sign-out goes through RP-initiated logout, which ends the SSO session and tells every application. */
  function signOutUrl(): string {
    const url = new URL(`${issuer}/session/end`);
    url.search = new URLSearchParams({ client_id: PORTAL_CLIENT_ID, post_logout_redirect_uri: `${issuer}/portal` }).toString();
    return url.href;
  }

  /** A registered client's `client_name`, for pages that name applications (undefined: unknown or unnamed). */
  async function clientName(clientId: string): Promise<string | undefined> {
    const client = await provider.Client.find(clientId).catch(() => undefined);
    return client?.clientName;
  }

  return { currentUser, requireUser, startSignIn, callback, signOutUrl, clientName, applications: createApplications({ provider, issuer }) };
}

export type PortalAuth = ReturnType<typeof createPortalAuth>;

function safeReturn(path: string | undefined): string {
  return path && /^\/portal(\/[A-Za-z0-9/_-]*)?$/.test(path) ? path : '/portal';
}
