import type { ShippedLocale } from '../i18n/index.ts';

/**
 * The region selector's choices: regions, their countries (ISO 3166-1
 * alpha-2) and the language a country's pages default to. Names are never
 * stored here: Intl.DisplayNames gives them in the page's language.
 * A country whose language admit does not ship defaults to English.
 */
export interface Region {
  /** A key of locales/<lang>/region.json `regions`. */
  id: 'americas' | 'europe' | 'asiaPacific' | 'middleEastAfrica';
  countries: { code: string; language: ShippedLocale }[];
}

export const REGIONS: readonly Region[] = [
  {
    id: 'americas',
    countries: [
      { code: 'US', language: 'en' },
      { code: 'CA', language: 'en' },
      { code: 'MX', language: 'es' },
      { code: 'BR', language: 'en' },
      { code: 'AR', language: 'es' },
      { code: 'CL', language: 'es' },
      { code: 'CO', language: 'es' },
    ],
  },
  {
    id: 'europe',
    countries: [
      { code: 'GB', language: 'en' },
      { code: 'IE', language: 'en' },
      { code: 'FR', language: 'fr' },
      { code: 'BE', language: 'fr' },
      { code: 'LU', language: 'fr' },
      { code: 'DE', language: 'de' },
      { code: 'AT', language: 'de' },
      { code: 'CH', language: 'de' },
      { code: 'ES', language: 'es' },
      { code: 'PT', language: 'en' },
      { code: 'IT', language: 'en' },
      { code: 'NL', language: 'en' },
      { code: 'SE', language: 'en' },
      { code: 'NO', language: 'en' },
      { code: 'DK', language: 'en' },
      { code: 'FI', language: 'en' },
    ],
  },
  {
    id: 'asiaPacific',
    countries: [
      { code: 'AU', language: 'en' },
      { code: 'NZ', language: 'en' },
      { code: 'IN', language: 'en' },
      { code: 'SG', language: 'en' },
      { code: 'JP', language: 'en' },
    ],
  },
  {
    id: 'middleEastAfrica',
    countries: [
      { code: 'ZA', language: 'en' },
      { code: 'AE', language: 'en' },
    ],
  },
];

const BY_CODE = new Map(REGIONS.flatMap((region) => region.countries.map((country) => [country.code, { ...country, region: region.id }] as const)));

/** The country of this code (upper case, as the form and the cookie carry it), or undefined. */
export function countryOf(code: unknown): { code: string; language: ShippedLocale; region: Region['id'] } | undefined {
  return typeof code === 'string' ? BY_CODE.get(code) : undefined;
}
