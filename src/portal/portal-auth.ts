import { randomBytes, createHash } from 'node:crypto';
import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import { AppError } from '../errors/app-error.ts';
import type { AccountService, Account } from '../services/accounts.ts';
import { PORTAL_CLIENT_ID } from './portal-client.ts';

const STATE_COOKIE = 'admit.portal-state';

export interface PortalUser {
  account: Account;
  sessionId: string;
  amr: string[];
  /** When the user last proved who they are (seconds since epoch). */
  authTime: number;
}

/**
 * Who is signed in to the portal: the SSO session of this browser. Signing
 * in goes through /auth like any application (so every gate applies);
 * `return_to` is limited to portal paths, so it cannot redirect elsewhere.
 */
export function createPortalAuth({ provider, accounts, issuer }: { provider: Provider; accounts: AccountService; issuer: string }) {
  async function currentUser(ctx: Context): Promise<PortalUser | undefined> {
    const session = await provider.Session.get(ctx);
    if (!session.accountId) return undefined;
    const account = await accounts.find(session.accountId);
    if (!account || account.status !== 'active') return undefined;
    return { account, sessionId: session.jti, amr: session.amr ?? [], authTime: session.loginTs ?? 0 };
  }

  /** Middleware: sets ctx.state.user, or sends the browser to sign in first. */
  async function requireUser(ctx: Context, next: Next): Promise<void> {
    const user = await currentUser(ctx);
    if (!user) return startSignIn(ctx, ctx.path);
    ctx.state.user = user;
    await next();
  }

  /** Sends the browser to admit's /auth for the portal; `extra` adds parameters (prompt, login_hint, admit_manage). */
  function startSignIn(ctx: Context, returnTo: string, extra: Record<string, string> = {}): void {
    const state = randomBytes(16).toString('base64url');
    const verifier = randomBytes(32).toString('base64url');
    ctx.cookies.set(STATE_COOKIE, `${state}.${safeReturn(returnTo)}`, { httpOnly: true, sameSite: 'lax', maxAge: 15 * 60 * 1000, overwrite: true });
    const url = new URL(`${issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: PORTAL_CLIENT_ID,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: `${issuer}/portal/callback`,
      state,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      ...extra,
    }).toString();
    ctx.status = 303;
    ctx.redirect(url.href);
  }

  /** The end of the portal's sign-in: check the state it started with, then go where the user was going. */
  async function callback(ctx: Context): Promise<void> {
    const [expected, returnTo] = (ctx.cookies.get(STATE_COOKIE) ?? '').split('.', 2);
    ctx.cookies.set(STATE_COOKIE, '', { maxAge: 0, overwrite: true });
    if (!expected || ctx.query.state !== expected) throw new AppError('interaction_expired', 400);
    if (typeof ctx.query.error === 'string') {
      ctx.status = 303;
      return ctx.redirect('/portal');
    }
    ctx.status = 303;
    ctx.redirect(safeReturn(returnTo ?? '/portal'));
  }

  /** Sign-out goes through RP-initiated logout, which ends the SSO session and tells every application. */
  function signOutUrl(): string {
    const url = new URL(`${issuer}/session/end`);
    url.search = new URLSearchParams({ client_id: PORTAL_CLIENT_ID, post_logout_redirect_uri: `${issuer}/portal` }).toString();
    return url.href;
  }

  return { currentUser, requireUser, startSignIn, callback, signOutUrl };
}

export type PortalAuth = ReturnType<typeof createPortalAuth>;

function safeReturn(path: string | undefined): string {
  return path && /^\/portal(\/[A-Za-z0-9/_-]*)?$/.test(path) ? path : '/portal';
}
