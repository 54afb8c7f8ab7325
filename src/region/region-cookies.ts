import type { Context } from 'koa';
import { LOCALE_COOKIE, shippedLocaleOf } from '../i18n/index.ts';
import { setCookie } from '../lib/cookies.ts';
import { countryOf } from './regions.ts';

/** The cookie of the chosen country (ISO 3166-1 alpha-2): the enrollment wizard's default phone country reads it too. */
export const REGION_COOKIE = 'admit.region';

/** A choice is remembered for a year (the person can change it on any page that shows the selector). */
const REMEMBERED_MS = 365 * 24 * 3600 * 1000;

/** The country and language this browser chose, each only if still one admit knows (a cookie is never trusted as is). */
export function regionChoice(ctx: Context): { country?: string; language?: string } {
  return { country: countryOf(ctx.cookies.get(REGION_COOKIE))?.code, language: shippedLocaleOf(ctx.cookies.get(LOCALE_COOKIE) ?? undefined) };
}

/** Remembers the choice: signed, SameSite=Lax and Secure under an https issuer, like every admit cookie (lib/cookies.ts). */
export function rememberRegion(ctx: Context, choice: { country: string; language: string }): void {
  setCookie(ctx, REGION_COOKIE, choice.country, { maxAge: REMEMBERED_MS });
  setCookie(ctx, LOCALE_COOKIE, choice.language, { maxAge: REMEMBERED_MS });
}
