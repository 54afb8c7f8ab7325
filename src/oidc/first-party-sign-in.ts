import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { AppError } from '../errors/app-error.ts';
import { clearCookie, setCookie } from '../lib/cookies.ts';
import { type Store, storeKey } from '../store/port.ts';
import { redeemAtTokenEndpoint } from './first-party-redeem.ts';

export interface SignedIn {
  accountId: string;
  acr?: string;
  amr: string[];
  authTime?: number;
  /** The grant the code was issued under; `granted(grantId)` tells whether it still stands. */
  grantId: string;
  returnTo: string;
}

interface Pending {
  verifier: string;
  returnTo: string;
}

const PENDING_SECONDS = 15 * 60;

/**
 * admit's own pages (the portal, the admin console, the end of an invitation) sign
 * people in as first-party OIDC clients of admit: through /auth, so every
 * gate of the sign-in applies, with state and PKCE like any client. The
 * code comes back to admit itself and is redeemed at admit's token endpoint
 * like any client's (first-party-redeem.ts), replay treatment included.
 */
export function createFirstPartySignIn(deps: { provider: Provider; store: Store; issuer: string; clientId: string; callbackPath: string; cookieName: string }) {
  const redirectUri = `${deps.issuer}${deps.callbackPath}`;
  const pendingKey = (state: string) => storeKey('first-party-sign-in', state);

  async function start(
    ctx: Context,
    options: { returnTo: string; loginHint?: string; acrValues?: string; prompt?: string; extraParams?: Record<string, string> },
  ): Promise<void> {
    const state = randomBytes(24).toString('base64url');
    const verifier = randomBytes(32).toString('base64url');
    const pending: Pending = { verifier, returnTo: options.returnTo };
    await deps.store.set(pendingKey(state), JSON.stringify(pending), { ttlSeconds: PENDING_SECONDS });
    // The state cookie binds the callback to this browser (login CSRF).
    setCookie(ctx, deps.cookieName, state, { maxAge: PENDING_SECONDS * 1000 });
    const url = new URL(`${deps.issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: deps.clientId,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: redirectUri,
      state,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      ...(options.loginHint ? { login_hint: options.loginHint } : {}),
      ...(options.acrValues ? { acr_values: options.acrValues } : {}),
      ...(options.prompt ? { prompt: options.prompt } : {}),
      ...options.extraParams,
    }).toString();
    ctx.status = 303;
    ctx.redirect(url.href);
  }

  /** The callback: who signed in, or an AppError. `error` from the provider (the user cancelled) is returned as such. */
  async function finish(ctx: Context): Promise<SignedIn | { error: string; returnTo: string }> {
    const expected = ctx.cookies.get(deps.cookieName, { signed: true });
    clearCookie(ctx, deps.cookieName);
    const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
    if (!expected || !equal(state, expected)) throw new AppError('interaction_expired', 400);
    // Read, not taken: a second callback with the same state must reach the token endpoint, whose answer to a
    // replayed code is the revocation of its grant. The code, not the state, is what is used once.
    const raw = await deps.store.get(pendingKey(state));
    if (raw === undefined) throw new AppError('interaction_expired', 400);
    const pending = JSON.parse(raw) as Pending;
    if (typeof ctx.query.error === 'string') return { error: ctx.query.error.slice(0, 64), returnTo: pending.returnTo };

    const code = typeof ctx.query.code === 'string' ? ctx.query.code : '';
    if (!code) throw new AppError('interaction_expired', 400);
    // The token endpoint decides (see first-party-redeem.ts); a replayed code is refused there and its grant revoked.
    const redeemed = await redeemAtTokenEndpoint(ctx, deps.provider.pathFor('token'), {
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: pending.verifier,
      client_id: deps.clientId,
    });
    if (!redeemed.ok) throw new AppError('interaction_expired', 400, { cause: new Error(`token endpoint: ${redeemed.status} ${redeemed.error}`) });
    // Who signed in and how: the code just redeemed (kept, consumed, until it expires).
    const issued = await deps.provider.AuthorizationCode.find(code);
    if (!issued?.accountId || !issued.grantId || issued.clientId !== deps.clientId) throw new AppError('interaction_expired', 400);
    return {
      accountId: issued.accountId,
      acr: issued.acr,
      amr: issued.amr ?? [],
      authTime: issued.authTime,
      grantId: issued.grantId,
      returnTo: pending.returnTo,
    };
  }

  /** Whether what a sign-in granted still stands: a replayed code, a sign-out or a password change revokes it. */
  async function granted(grantId: string): Promise<boolean> {
    const grant = await deps.provider.Grant.find(grantId);
    return grant !== undefined && grant.clientId === deps.clientId;
  }

  return { start, finish, granted, redirectUri };
}

export type FirstPartySignIn = ReturnType<typeof createFirstPartySignIn>;

function equal(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
