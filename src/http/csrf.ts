import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { AppError } from '../errors/app-error.ts';
import { setCookie } from '../lib/cookies.ts';

/**
 * Signed double-submit CSRF protection (OWASP): a random value in an HttpOnly
 * cookie, and in each form an HMAC of it under a server key. A cross-site page
 * can neither read the cookie nor forge the HMAC. Every POST to our own pages
 * must carry `_csrf`; oidc-provider's endpoints are not behind this.
 */
export function createCsrf({ key, cookieName = 'admit.csrf' }: { key: string; cookieName?: string }) {
  const sign = (value: string) => createHmac('sha256', key).update(value).digest('base64url');

  /** The token for this browser's forms; sets the cookie on first use. */
  function token(ctx: Context): string {
    let value = ctx.cookies.get(cookieName);
    if (!value || !/^[A-Za-z0-9_-]{43}$/.test(value)) {
      value = randomBytes(32).toString('base64url');
      setCookie(ctx, cookieName, value);
    }
    return sign(value);
  }

  /** Rejects a state-changing request whose form token does not match the cookie. */
  const verify: Middleware = async (ctx, next) => {
    if (ctx.method === 'POST') {
      const value = ctx.cookies.get(cookieName);
      const sent = (ctx.request.body as Record<string, unknown> | undefined)?._csrf;
      if (!value || typeof sent !== 'string' || !equal(sent, sign(value))) throw new AppError('csrf_failed', 403);
    }
    await next();
  };

  return { token, verify };
}

function equal(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
