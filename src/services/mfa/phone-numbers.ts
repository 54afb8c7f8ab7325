import { type CountryCode, getCountryCallingCode, getExampleNumber, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import type { PhoneNumber } from './devices.ts';

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
  const allowed = new Set<string>(allowedCountries.filter((code) => isSupportedCountry(code)));
  const names = new Intl.DisplayNames(['en'], { type: 'region' });

  const countries: CountryOption[] = [...allowed]
    .map((code) => ({
      code,
      name: names.of(code) ?? code,
      dial: `+${getCountryCallingCode(code as CountryCode)}`,
      example: getExampleNumber(code as CountryCode, examples)?.formatNational() ?? '',
    }))
    .sort((a, b) => a.name.localeCompare(b.name, 'en'));

  function parse(country: string, input: string): ParsedPhone {
    if (!allowed.has(country)) return { status: 'country_not_allowed' };
    const trimmed = input.trim();
    if (trimmed.length === 0 || trimmed.length > 32 || !/^[+\d\s().\-/]+$/.test(trimmed)) return { status: 'invalid' };
    const number = parsePhoneNumberFromString(trimmed, country as CountryCode);
    if (!number?.isValid() || !number.country) return { status: 'invalid' };
    // "+44…" typed with "United States" selected: the number's own country decides.
    if (!allowed.has(number.country as string)) return { status: 'country_not_allowed' };
    return { status: 'ok', phone: { e164: number.number, country: number.country, national: number.formatNational() } };
  }

  /** Whether texts and calls may go to this (already stored) number. */
  const mayReceive = (phone: PhoneNumber) => allowed.has(phone.country);

  return { countries, parse, mayReceive, defaultCountry: allowed.has('US') ? 'US' : (countries[0]?.code ?? 'US') };
}

export type PhoneNumbers = ReturnType<typeof createPhoneNumbers>;

/** A number with all but the last four digits hidden, for pages and logs. */
export function maskPhone(phone: PhoneNumber): string {
  const digits = phone.e164.replace(/\D/g, '');
  return `•••-${digits.slice(-4)}`;
}
