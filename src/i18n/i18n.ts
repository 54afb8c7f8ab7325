import i18next, { type i18n as I18nInstance } from 'i18next';
import { loadLocaleFiles, type Resources } from './load.ts';
import { DEFAULT_LOCALE, SHIPPED_LOCALES } from './locales.ts';
import type { Translate } from './text.ts';

/** The namespace keys without a `ns:` prefix belong to: the layout and words every page shares. */
export const DEFAULT_NAMESPACE = 'common';

export interface Localizer {
  /** A `t(key, vars)` bound to one language; a key missing there falls back to English. */
  translator(locale: string): Translate;
  /**
   * The same, for a sentence with markup of its own (`<strong>{{client}}</strong>`):
   * the values are HTML-escaped, the sentence (from admit's own files) is not. Shown with `<%- %>`.
   */
  htmlTranslator(locale: string): Translate;
  /** What was loaded, for the tests that compare languages. */
  readonly resources: Resources;
}

/**
 * One i18next instance for the process, made at start from the files in
 * `locales/` (no backend, nothing loaded later). Values are not
 * HTML-escaped here: EJS's `<%= %>` escapes them where they are shown, and
 * emails' text parts must not carry entities.
 */
export function createLocalizer(localesDir: string): Localizer {
  const resources = loadLocaleFiles(localesDir);
  const namespaces = [...new Set(Object.values(resources).flatMap((byNamespace) => Object.keys(byNamespace)))];
  const instance: I18nInstance = i18next.createInstance();
  void instance.init({
    resources,
    lng: DEFAULT_LOCALE,
    fallbackLng: DEFAULT_LOCALE,
    supportedLngs: [...SHIPPED_LOCALES],
    ns: namespaces.length > 0 ? namespaces : [DEFAULT_NAMESPACE],
    defaultNS: DEFAULT_NAMESPACE,
    initAsync: false,
    returnNull: false,
    returnEmptyString: false,
    interpolation: { escapeValue: false },
  });
  const bound = new Map<string, Translate>();
  const boundHtml = new Map<string, Translate>();
  return {
    resources,
    translator(locale) {
      let t = bound.get(locale);
      if (!t) {
        const fixed = instance.getFixedT(locale);
        t = (key, vars) => String(fixed(key, vars as never));
        bound.set(locale, t);
      }
      return t;
    },
    htmlTranslator(locale) {
      let t = boundHtml.get(locale);
      if (!t) {
        const fixed = instance.getFixedT(locale);
        t = (key, vars) => String(fixed(key, { ...vars, interpolation: { escapeValue: true } } as never));
        boundHtml.set(locale, t);
      }
      return t;
    },
  };
}
