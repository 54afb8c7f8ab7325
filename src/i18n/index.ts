export { countryName, formatDate, formatDateTime, formatNumber } from './format.ts';
export { createLocalizer, DEFAULT_NAMESPACE, type Localizer } from './i18n.ts';
export { DEFAULT_LOCALE, directionOf, SHIPPED_LOCALES, type ShippedLocale, shippedLocaleOf } from './locales.ts';
export { localeNegotiation, localeOf, translatorOf } from './middleware.ts';
export { LOCALE_COOKIE, negotiateLocale, parseAcceptLanguage } from './negotiate.ts';
export { isText, localize, type Text, type Translate, text } from './text.ts';
