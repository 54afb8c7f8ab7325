import assert from 'node:assert/strict';
import { afterEach, describe, it, vi } from 'vitest';
import { countryName, formatDate, formatDateTime, formatNumber } from './format.ts';

describe('Intl formatting in the page language', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('formats dates, numbers and country names in the locale asked for, in UTC', () => {
    const at = '2026-12-07T23:05:00Z';
    assert.equal(formatDate('fr', at), '7 décembre 2026');
    assert.equal(formatDate('de', at), '7. Dezember 2026');
    assert.equal(formatDateTime('en', at, { month: 'short' }), 'Dec');
    assert.equal(formatNumber('de', 1234.5), '1.234,5');
    assert.equal(countryName('es', 'de'), 'Alemania');
    assert.equal(formatDateTime('en', 'not a date'), 'not a date', 'a bad value answers itself');
    assert.equal(formatDateTime('en', undefined), '');
  });

  // Intl objects hold ICU memory the garbage collector does not see: one per call grew RSS by 670 MB in the scale benchmark.
  it('makes each formatter once per locale and options, however many values it formats', () => {
    const made = vi.spyOn(Intl, 'DateTimeFormat');
    const numbers = vi.spyOn(Intl, 'NumberFormat');
    for (let day = 1; day <= 28; day += 1) {
      formatDateTime('es', `2026-02-${String(day).padStart(2, '0')}T10:00:00Z`, { dateStyle: 'short', timeStyle: 'short' });
      formatNumber('es', day, { style: 'unit', unit: 'minute', unitDisplay: 'long' });
    }
    assert.ok(made.mock.calls.length <= 1, `${made.mock.calls.length} DateTimeFormats made`);
    assert.ok(numbers.mock.calls.length <= 1, `${numbers.mock.calls.length} NumberFormats made`);
    formatDateTime('fr', '2026-02-01T10:00:00Z', { dateStyle: 'short', timeStyle: 'short' });
    assert.ok(made.mock.calls.length <= 2, 'another locale is another formatter');
  });
});
