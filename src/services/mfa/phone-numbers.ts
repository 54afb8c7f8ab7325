import { createRequire } from 'node:module';
import type { CountryCode, Examples } from 'libphonenumber-js';
import type * as PhoneLibrary from 'libphonenumber-js/max';
import { countryName } from '../../i18n/format.ts';
import type { PhoneNumber } from './devices.ts';

/**
 * libphonenumber-js with its full metadata and the mobile examples are ~2 MiB
 * of heap that most sites (no SMS or voice factor) never touch: they are
 * required the first time a phone number or the country list is needed, not
 * when admit starts. Synchronous (createRequire), so parse() stays synchronous.
 */
const requireHere = createRequire(import.meta.url);
let library: { phones: typeof PhoneLibrary; examples: Examples } | undefined;
function phoneLibrary() {
  library ??= { phones: requireHere('libphonenumber-js/max') as typeof PhoneLibrary, examples: requireHere('libphonenumber-js/mobile/examples') as Examples };
  return library;
}

export type ParsedPhone = { status: 'ok'; phone: PhoneNumber } | { status: 'invalid' } | { status: 'country_not_allowed' };

export interface CountryOption {
  code: string;
  name: string;
  /** The calling code, e.g. "+1". */
  dial: string;
  /** An example number in national format, e.g. "(201) 555-0123" (seed step 6). */
  example: string;
}

/**
 * Phone numbers as people type them, checked and normalised with
 * libphonenumber-js: the full metadata, so a number that cannot exist is
 * refused before any text is sent. Only the allowed countries are offered
 * and accepted (SMS pumping).
 */
export function createPhoneNumbers({ allowedCountries }: { allowedCountries: string[] }) {
  // Worked out at first use (see phoneLibrary), then kept.
  let prepared: { allowed: Set<string>; countries: CountryOption[]; defaultCountry: string } | undefined;
  function prepare() {
    if (prepared) return prepared;
    const { phones, examples } = phoneLibrary();
    const allowed = new Set<string>(allowedCountries.filter((code) => phones.isSupportedCountry(code)));
    const names = new Intl.DisplayNames(['en'], { type: 'region' });
    const countries: CountryOption[] = [...allowed]
      .map((code) => ({
        code,
        name: names.of(code) ?? code,
        dial: `+${phones.getCountryCallingCode(code as CountryCode)}`,
        example: phones.getExampleNumber(code as CountryCode, examples)?.formatNational() ?? '',
      }))
      .sort((a, b) => a.name.localeCompare(b.name, 'en'));
    prepared = { allowed, countries, defaultCountry: allowed.has('US') ? 'US' : (countries[0]?.code ?? 'US') };
    return prepared;
  }

  function parse(country: string, input: string): ParsedPhone {
    const { allowed } = prepare();
    if (!allowed.has(country)) return { status: 'country_not_allowed' };
    const trimmed = input.trim();
    if (trimmed.length === 0 || trimmed.length > 32 || !/^[+\d\s().\-/]+$/.test(trimmed)) return { status: 'invalid' };
    const number = phoneLibrary().phones.parsePhoneNumberFromString(trimmed, country as CountryCode);
    if (!number?.isValid() || !number.country) return { status: 'invalid' };
    // "+44…" typed with "United States" selected: the number's own country decides.
    if (!allowed.has(number.country as string)) return { status: 'country_not_allowed' };
    return { status: 'ok', phone: { e164: number.number, country: number.country, national: number.formatNational() } };
  }

  /** Whether texts and calls may go to this (already stored) number. */
  const mayReceive = (phone: PhoneNumber) => prepare().allowed.has(phone.country);

  // The Country list in a page's language: names through Intl.DisplayNames, in that language's order.
  const byLocale = new Map<string, CountryOption[]>();
  function countriesIn(locale: string): CountryOption[] {
    let list = byLocale.get(locale);
    if (!list) {
      list = prepare()
        .countries.map((option) => ({ ...option, name: countryName(locale, option.code) }))
        .sort((a, b) => a.name.localeCompare(b.name, locale));
      byLocale.set(locale, list);
    }
    return list;
  }

  return {
    get countries(): CountryOption[] {
      return prepare().countries;
    },
    countriesIn,
    parse,
    mayReceive,
    get defaultCountry(): string {
      return prepare().defaultCountry;
    },
  };
}

export type PhoneNumbers = ReturnType<typeof createPhoneNumbers>;

/** A number with all but the last four digits hidden, for pages and logs. */
export function maskPhone(phone: PhoneNumber): string {
  const digits = phone.e164.replace(/\D/g, '');
  return `•••-${digits.slice(-4)}`;
}
