/** The languages admit ships, English first (the fallback). A BCP 47 primary language subtag each. */
export const SHIPPED_LOCALES = ['en', 'fr', 'de', 'es'] as const;
export type ShippedLocale = (typeof SHIPPED_LOCALES)[number];
export const DEFAULT_LOCALE: ShippedLocale = 'en';

// Scripts written right to left (by primary language subtag); none ships yet, the markup is ready for one.
const RIGHT_TO_LEFT = new Set(['ar', 'he', 'fa', 'ur', 'ps', 'sd', 'yi', 'dv', 'ug', 'ckb']);

/** `rtl` for a right-to-left language, else `ltr`: the page's `dir`. */
export function directionOf(locale: string): 'ltr' | 'rtl' {
  return RIGHT_TO_LEFT.has(locale.toLowerCase().split('-')[0]!) ? 'rtl' : 'ltr';
}

/** The shipped language a BCP 47 tag asks for (`fr-CA` -> `fr`), or undefined. */
export function shippedLocaleOf(tag: string | undefined): ShippedLocale | undefined {
  if (!tag) return undefined;
  let canonical: string;
  try {
    [canonical] = Intl.getCanonicalLocales(tag.trim()) as [string];
  } catch {
    return undefined;
  }
  const language = canonical.toLowerCase().split('-')[0];
  return SHIPPED_LOCALES.find((shipped) => shipped === language);
}
