import type Koa from 'koa';
import type { Context } from 'koa';

/**
 * The one owner of cookie attributes: every cookie admit sets goes through
 * `setCookie` / `clearCookie`, and oidc-provider's get `providerCookieOptions`.
 *
 * - Secure whenever the configured issuer is https. It is decided from the
 *   issuer, not from the request, so it holds behind a TLS-terminating proxy
 *   whatever the proxy sends; plain-http development (an http issuer) gets no
 *   Secure flag, which browsers would refuse there.
 * - HttpOnly and SameSite=Lax always: scripts never read admit's cookies, and
 *   Lax still sends them on the top-level GET that returns from Microsoft or Duo.
 * - Signed (Koa's `.sig` HMAC under the app's keys) unless the caller says
 *   otherwise, so the browser cannot choose a value.
 * - One Path (`/` unless narrowed) and `overwrite`, so a second set in the same
 *   answer replaces the first instead of sending two.
 */
export interface CookieOptions {
  /** Lifetime in milliseconds; a browser-session cookie when left out. */
  maxAge?: number;
  /** Where the browser sends it back; `/` by default. */
  path?: string;
  /** HMAC-signed with the app's keys; `true` by default. */
  signed?: boolean;
}

export interface CookiePolicy {
  secure: boolean;
}

const POLICY = Symbol('admit.cookie-policy');

/** Whether admit is served over https, as its issuer says: Secure cookies and HSTS both follow it. */
export const isHttpsIssuer = (issuer: string): boolean => new URL(issuer).protocol === 'https:';

export const cookiePolicyFor = (issuer: string): CookiePolicy => ({ secure: isHttpsIssuer(issuer) });

/** Gives every request of this app the policy of this issuer (createApp does it once). */
export function useCookiePolicy(app: Koa, issuer: string): void {
  (app.context as unknown as Record<symbol, CookiePolicy>)[POLICY] = cookiePolicyFor(issuer);
}

function policyOf(ctx: Context): CookiePolicy {
  const policy = (ctx as unknown as Record<symbol, CookiePolicy | undefined>)[POLICY];
  if (!policy) throw new Error('no cookie policy on this app: call useCookiePolicy(app, issuer) (src/lib/cookies.ts)');
  return policy;
}

export function setCookie(ctx: Context, name: string, value: string, options: CookieOptions = {}): void {
  const { secure } = policyOf(ctx);
  // The cookies module refuses a Secure cookie on a request it does not see as
  // https (a TLS-terminating proxy that is not trusted); the issuer says https.
  if (secure) ctx.cookies.secure = true;
  ctx.cookies.set(name, value, {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    signed: options.signed ?? true,
    path: options.path ?? '/',
    maxAge: options.maxAge,
    overwrite: true,
  });
}

/** Removes a cookie (and its signature): same name, path and flags, expired. */
export function clearCookie(ctx: Context, name: string, options: Omit<CookieOptions, 'maxAge'> = {}): void {
  setCookie(ctx, name, '', { ...options, maxAge: 0 });
}

/** oidc-provider's `cookies.long` / `cookies.short`: the same attributes for its session and interaction cookies. */
export function providerCookieOptions(issuer: string) {
  return { signed: true, httpOnly: true, sameSite: 'lax' as const, secure: cookiePolicyFor(issuer).secure };
}
