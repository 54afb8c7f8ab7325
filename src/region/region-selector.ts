import type { Context } from 'koa';
import { countryName, SHIPPED_LOCALES } from '../i18n/index.ts';
import { regionChoice } from './region-cookies.ts';
import { REGIONS } from './regions.ts';

/** What views/partials/region-selector.ejs shows: the regions' countries named in the page's language, the languages in their own. */
export interface RegionSelectorModel {
  regions: { id: string; countries: { code: string; name: string }[] }[];
  languages: { code: string; name: string }[];
  country?: string;
  language: string;
}

/** A language's name in itself, capitalised as a list item ("Français", "Deutsch", "Español"). */
function ownName(code: string): string {
  const name = new Intl.DisplayNames([code], { type: 'language' }).of(code) ?? code;
  return name.charAt(0).toLocaleUpperCase(code) + name.slice(1);
}

const LANGUAGES = SHIPPED_LOCALES.map((code) => ({ code, name: ownName(code) }));

/** The country lists of each page language, built once (a few dozen Intl look-ups). */
const regionsByLocale = new Map<string, RegionSelectorModel['regions']>();

function regionsIn(locale: string): RegionSelectorModel['regions'] {
  let regions = regionsByLocale.get(locale);
  if (!regions) {
    const collator = new Intl.Collator(locale);
    regions = REGIONS.map((region) => ({
      id: region.id,
      countries: region.countries
        .map((country) => ({ code: country.code, name: countryName(locale, country.code) }))
        .sort((a, b) => collator.compare(a.name, b.name)),
    }));
    regionsByLocale.set(locale, regions);
  }
  return regions;
}

/** The selector as this request shows it: the remembered country, and the page's language as the selected one. */
export function regionSelectorModel(ctx: Context, locale: string): RegionSelectorModel {
  return { regions: regionsIn(locale), languages: LANGUAGES, country: regionChoice(ctx).country, language: locale };
}
