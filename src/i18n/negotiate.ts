import type { Context } from 'koa';
import { DEFAULT_LOCALE, type ShippedLocale, shippedLocaleOf } from './locales.ts';

/** The cookie the region selector sets: the chosen language, a BCP 47 tag. */
export const LOCALE_COOKIE = 'admit.locale';

/**
 * An Accept-Language header's tags, most wanted first (RFC 9110 12.5.4):
 * q-values from 0 to 1 (q=0 means "not this"), ties kept in header order.
 */
export function parseAcceptLanguage(header: string | undefined): string[] {
  if (!header) return [];
  const ranges: { tag: string; q: number; index: number }[] = [];
  header.split(',').forEach((part, index) => {
    const [tag, ...params] = part.trim().split(';');
    if (!tag || !/^([a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*|\*)$/.test(tag.trim())) return;
    let q = 1;
    for (const param of params) {
      const match = /^\s*q\s*=\s*([01](\.\d{0,3})?)\s*$/.exec(param);
      if (match) q = Math.min(1, Number(match[1]));
      else if (/^\s*q\s*=/.test(param)) q = 0;
    }
    if (q > 0) ranges.push({ tag: tag.trim(), q, index });
  });
  return ranges.sort((a, b) => b.q - a.q || a.index - b.index).map((range) => range.tag);
}

/** The first tag of a list (space-separated `ui_locales`, or Accept-Language's order) that admit ships. */
function firstShipped(tags: readonly string[]): ShippedLocale | undefined {
  for (const tag of tags) {
    const shipped = shippedLocaleOf(tag);
    if (shipped) return shipped;
  }
  return undefined;
}

/**
 * The one place the page language is chosen: the OIDC `ui_locales` of the
 * current authorization (the application asked), then the region
 * selector's cookie (the person chose), then the browser's Accept-Language,
 * then English. Only shipped languages are answered.
 */
export function negotiateLocale(ctx: Pick<Context, 'get' | 'cookies'>, { uiLocales }: { uiLocales?: unknown } = {}): ShippedLocale {
  const asked = typeof uiLocales === 'string' ? firstShipped(uiLocales.split(/\s+/).filter(Boolean)) : undefined;
  if (asked) return asked;
  // A context without a request (a service called from a job or a test) has neither: English.
  const chosen = shippedLocaleOf(ctx.cookies?.get(LOCALE_COOKIE) ?? undefined);
  if (chosen) return chosen;
  return firstShipped(parseAcceptLanguage(ctx.get?.('accept-language'))) ?? DEFAULT_LOCALE;
}
