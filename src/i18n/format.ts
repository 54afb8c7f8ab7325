/**
 * Dates, numbers and country names in the page's language, through Intl
 * (never a fixed 'en').
 *
 * Each formatter is made once per locale and options and kept: an Intl
 * object holds ICU memory outside V8's heap that the garbage collector does
 * not see, so one made per call (every date of every row) grew admit's RSS
 * by 670 MB in the scale benchmark while its heap stayed at 31 MB (200,000
 * DateTimeFormats: 2.8 GB). The cache is small (shipped locales × the few
 * option sets used) and bounded anyway.
 */
const MAX_FORMATTERS = 256;
const formatters = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat | Intl.DisplayNames>();

function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat | Intl.DisplayNames>(kind: string, locale: string, options: object, make: () => T): T {
  const key = `${kind}\u0000${locale}\u0000${JSON.stringify(options)}`;
  let formatter = formatters.get(key) as T | undefined;
  if (!formatter) {
    // A locale no page asks for twice (a bad tag) must not grow the cache without end.
    if (formatters.size >= MAX_FORMATTERS) formatters.clear();
    formatter = make();
    formatters.set(key, formatter);
  }
  return formatter;
}

export function formatDateTime(
  locale: string,
  value: string | number | Date | undefined,
  options: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short' },
): string {
  if (value === undefined || value === '') return '';
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const full = { timeZone: 'UTC', ...options };
  return cached('date', locale, full, () => new Intl.DateTimeFormat(locale, full)).format(date);
}

export function formatDate(locale: string, value: string | number | Date | undefined): string {
  return formatDateTime(locale, value, { dateStyle: 'long' });
}

export function formatNumber(locale: string, value: number, options: Intl.NumberFormatOptions = {}): string {
  return cached('number', locale, options, () => new Intl.NumberFormat(locale, options)).format(value);
}

/** "France", "Frankreich", "Francia" for FR; the code itself when Intl has no name. */
export function countryName(locale: string, code: string): string {
  try {
    return cached('region', locale, {}, () => new Intl.DisplayNames([locale], { type: 'region', fallback: 'code' })).of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}
