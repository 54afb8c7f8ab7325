import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { setCookie } from '../../lib/cookies.ts';

const COOKIE = 'admit.federated';
const VALUE = /^[A-Za-z0-9_-]{43}$/;
const LIFETIME_MS = 3600 * 1000;

/**
 * The secret that ties a round trip to Microsoft to the browser that started
 * it: an HttpOnly, signed, SameSite=Lax cookie sent only to the callback.
 * Without it, someone could start a sign-in, hand the Microsoft link to a
 * victim, and have the victim's sign-in land in their own interaction. Lax
 * is enough: Microsoft's redirect back is a top-level GET. Path `/`: the
 * start page must see it too, so a second tab reuses it instead of
 * replacing it (which would break the first tab's round trip).
 */
export const browserBinding = {
  /** The browser's binding, created on first use (one per browser, so several tabs work). */
  ensure(ctx: Context): string {
    const existing = browserBinding.read(ctx);
    const value = existing ?? randomBytes(32).toString('base64url');
    setCookie(ctx, COOKIE, value, { maxAge: LIFETIME_MS });
    return value;
  },
  /** The binding this browser sent, if any. */
  read(ctx: Context): string | undefined {
    const value = ctx.cookies.get(COOKIE, { signed: true });
    return value && VALUE.test(value) ? value : undefined;
  },
};
