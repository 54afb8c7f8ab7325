import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { createPhoneNumbers, maskPhone } from './phone-numbers.ts';

describe('phone numbers (libphonenumber-js)', () => {
  const phones = createPhoneNumbers({ allowedCountries: ['US', 'CA', 'DE', 'XX'] });

  it('normalises what people type to E.164 and the national form', () => {
    for (const typed of ['(201) 234-5678', '201-234-5678', '201.234.5678', '+1 201 234 5678', '2012345678']) {
      const parsed = phones.parse('US', typed);
      assert.deepEqual(parsed, { status: 'ok', phone: { e164: '+12012345678', country: 'US', national: '(201) 234-5678' } }, typed);
    }
    assert.deepEqual(phones.parse('DE', '030 1234567'), { status: 'ok', phone: { e164: '+49301234567', country: 'DE', national: '030 1234567' } });
  });

  it('refuses numbers that cannot exist and input that is not a number', () => {
    for (const typed of ['', '123', '(000) 000-0000', '201-234-567890123', 'call me', '<script>', '+1 201 234 5678; DROP']) {
      assert.equal(phones.parse('US', typed).status, 'invalid', typed);
    }
  });

  it('keeps to the allow-list, also when the typed number names another country', () => {
    assert.equal(phones.parse('GB', '020 7946 0018').status, 'country_not_allowed');
    assert.equal(phones.parse('US', '+44 20 7946 0018').status, 'country_not_allowed');
    assert.deepEqual(
      phones.countries.map((country) => country.code),
      ['CA', 'DE', 'US'],
      'unknown codes dropped, sorted by name',
    );
    assert.deepEqual(
      phones.countries.find((country) => country.code === 'US'),
      { code: 'US', name: 'United States', dial: '+1', example: '(201) 555-0123' },
    );
    assert.equal(phones.defaultCountry, 'US');
  });

  it('masks all but the last four digits', () => {
    assert.equal(maskPhone({ e164: '+12012345678', country: 'US', national: '(201) 234-5678' }), '•••-5678');
  });
});
