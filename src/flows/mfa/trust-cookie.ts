import type { Context } from 'koa';
import { isHttpsIssuer, setCookie } from '../../lib/cookies.ts';

const MAX_TOKENS = 5;

/**
 * The "Trust this browser" cookie: up to five tokens (people sharing a
 * browser each keep theirs), signed, HttpOnly, SameSite=Lax. Over https it
 * is a `__Host-` cookie (Secure, Path=/, no Domain); plain-http development
 * cannot set those, so there it has an ordinary name and no Secure flag.
 */
export function createTrustCookie({ issuer }: { issuer: string }) {
  // The same test as the cookie helper's Secure flag: a __Host- name needs Secure.
  const secure = isHttpsIssuer(issuer);
  const name = secure ? '__Host-admit.trust' : 'admit.trust';

  function read(ctx: Context): string[] {
    const value = ctx.cookies.get(name, { signed: true });
    if (!value) return [];
    return value
      .split('.')
      .filter((token) => /^[A-Za-z0-9_-]{43}$/.test(token))
      .slice(0, MAX_TOKENS);
  }

  function add(ctx: Context, token: string, days: number): void {
    const tokens = [token, ...read(ctx).filter((existing) => existing !== token)].slice(0, MAX_TOKENS);
    setCookie(ctx, name, tokens.join('.'), { maxAge: days * 86_400_000 });
  }

  return { name, read, add };
}

export type TrustCookie = ReturnType<typeof createTrustCookie>;
