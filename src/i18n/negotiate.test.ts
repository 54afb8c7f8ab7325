import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Context } from 'koa';
import { describe, it } from 'vitest';
import { countryName, formatDate } from './format.ts';
import { createLocalizer } from './i18n.ts';
import { directionOf, shippedLocaleOf } from './locales.ts';
import { localeNegotiation, localeOf, translatorOf } from './middleware.ts';
import { negotiateLocale, parseAcceptLanguage } from './negotiate.ts';
import { localize, text } from './text.ts';

/** A request as negotiation reads it: headers and cookies. */
function request(input: { acceptLanguage?: string; cookie?: string; path?: string; query?: Record<string, string> } = {}) {
  return {
    path: input.path ?? '/',
    query: input.query ?? {},
    state: {} as Record<string, unknown>,
    get: (name: string) => (name === 'accept-language' ? (input.acceptLanguage ?? '') : ''),
    cookies: { get: (name: string) => (name === 'admit.locale' ? input.cookie : undefined) },
  } as unknown as Context;
}

describe('locale negotiation', () => {
  it('reads Accept-Language by q-value, ties in header order, q=0 and malformed ranges left out', () => {
    assert.deepEqual(parseAcceptLanguage('fr;q=0.5, de-CH, en;q=0.8'), ['de-CH', 'en', 'fr']);
    assert.deepEqual(parseAcceptLanguage('es, fr'), ['es', 'fr']);
    assert.deepEqual(parseAcceptLanguage('de;q=0, fr;q=abc, <script>, es;q=1.5, it;q=0.001'), ['es', 'it']);
    assert.deepEqual(parseAcceptLanguage(undefined), []);
  });

  it('chooses ui_locales, then the cookie, then Accept-Language, then English; only shipped languages', () => {
    const all = request({ acceptLanguage: 'de', cookie: 'es-MX' });
    assert.equal(negotiateLocale(all, { uiLocales: 'ja fr-CA' }), 'fr', 'the first shipped ui_locales tag');
    assert.equal(negotiateLocale(all, { uiLocales: 'ja' }), 'es', 'no shipped ui_locales: the cookie');
    assert.equal(negotiateLocale(all, { uiLocales: ['fr'] }), 'es', 'ui_locales must be a string');
    assert.equal(negotiateLocale(request({ acceptLanguage: 'pt-BR, de;q=0.4', cookie: 'xx-not a tag' })), 'de');
    assert.equal(negotiateLocale(request({ acceptLanguage: 'pt, ja' })), 'en');
    assert.equal(negotiateLocale({} as Context), 'en', 'a context without a request');
  });

  it('knows shipped tags and right-to-left scripts', () => {
    assert.equal(shippedLocaleOf('DE-at'), 'de');
    assert.equal(shippedLocaleOf('i-klingon!'), undefined);
    assert.equal(shippedLocaleOf(undefined), undefined);
    assert.equal(directionOf('ar-EG'), 'rtl');
    assert.equal(directionOf('he'), 'rtl');
    assert.equal(directionOf('fr'), 'ltr');
  });

  it('the middleware negotiates once per request: ui_locales of the interaction or of the authorization request', async () => {
    const localizer = createLocalizer(join(import.meta.dirname, '../../locales'));
    const middleware = localeNegotiation({ interactionParams: async () => ({ ui_locales: 'de' }), localizer });
    const step = request({ path: '/interaction/abc/login', acceptLanguage: 'fr' });
    await middleware(step, async () => {});
    assert.equal(localeOf(step), 'de');
    assert.equal(translatorOf(step)?.('signin:login.submit'), 'Anmelden');

    const gone = request({ path: '/interaction/expired', acceptLanguage: 'fr' });
    await localeNegotiation({ interactionParams: () => Promise.reject(new Error('no interaction')) })(gone, async () => {});
    assert.equal(localeOf(gone), 'fr', 'an unreadable interaction does not count');
    assert.equal(translatorOf(gone), undefined, 'no translator without a localizer');

    const auth = request({ path: '/auth', query: { ui_locales: 'es' } });
    await middleware(auth, async () => {});
    assert.equal(localeOf(auth), 'es');
    assert.equal(localeOf(request({ acceptLanguage: 'fr' })), 'fr', 'negotiated on the spot without the middleware');
  });
});

describe('translation', () => {
  const localizer = createLocalizer(join(import.meta.dirname, '../../locales'));

  it('translates Text inside page data, vars first, and leaves other values alone', () => {
    const t = localizer.translator('fr');
    const date = new Date(0);
    const data = {
      title: text('mfa:start.title', { site: 'Itron' }),
      steps: [text('mfa:wizard.device'), 'as is'],
      nested: { notice: text('mfa:sent.sms', { target: text('mfa:device.landline') }) },
      date,
      count: 3,
    };
    const shown = localize(data, t);
    assert.equal(shown.title, 'Protégez votre compte Itron');
    assert.deepEqual(shown.steps, ['Appareil', 'as is']);
    assert.equal(shown.nested.notice, 'Nous avons envoyé un SMS contenant votre code au Téléphone fixe.');
    assert.equal(shown.date, date);
    assert.equal(shown.count, 3);
  });

  it('falls back to English for a key a language lacks, escapes values only where asked', () => {
    assert.equal(localizer.translator('de')('nope:missing', { defaultValue: 'Fallback' }), 'Fallback');
    assert.equal(localizer.translator('xx')('signin:login.submit'), 'Sign in');
    assert.equal(localizer.htmlTranslator('en')('signin:login.toContinue', { client: '<b>App</b>' }), 'to continue to <strong>&lt;b&gt;App&lt;/b&gt;</strong>');
    assert.equal(localizer.translator('en')('signin:login.toContinue', { client: 'A & B' }), 'to continue to <strong>A & B</strong>');
  });

  it('plural forms by count', () => {
    assert.equal(localizer.translator('en')('mfa:settings.recoveryLeft', { count: 1 }), 'You have 1 unused recovery code.');
    assert.equal(localizer.translator('de')('mfa:settings.recoveryLeft', { count: 4 }), 'Sie haben 4 unbenutzte Wiederherstellungscodes.');
  });

  it('dates and country names through Intl in the language', () => {
    assert.equal(countryName('fr', 'DE'), 'Allemagne');
    assert.equal(countryName('de', 'us'), 'Vereinigte Staaten');
    assert.equal(countryName('es', '??'), '??');
    assert.equal(formatDate('de', '2026-03-05T10:00:00Z'), '5. März 2026');
    assert.equal(formatDate('en', undefined), '');
    assert.equal(formatDate('fr', 'not a date'), 'not a date');
  });
});
