import type { Context } from 'koa';
import { clearCookie, setCookie } from '../lib/cookies.ts';

const COOKIE = 'admit.portal-notice';

/**
 * A sentence for the next portal page (post/redirect/get: "iOS was removed."
 * after the removal's redirect). Signed like every admit cookie, so a link
 * cannot make the portal say something; read once, gone after a minute.
 */
export function setNotice(ctx: Context, text: string): void {
  setCookie(ctx, COOKIE, Buffer.from(text.slice(0, 200), 'utf8').toString('base64url'), { maxAge: 60_000, path: '/portal' });
}

export function takeNotice(ctx: Context): string | undefined {
  const raw = ctx.cookies.get(COOKIE, { signed: true });
  if (raw === undefined) return undefined;
  clearCookie(ctx, COOKIE, { path: '/portal' });
  return Buffer.from(raw, 'base64url').toString('utf8') || undefined;
}
