/**
 * Dates, numbers and country names in the page's language, through Intl
 * (never a fixed 'en'). Formatters are cheap enough per call at these
 * volumes; a bad code answers itself rather than throwing.
 */
export function formatDateTime(
  locale: string,
  value: string | number | Date | undefined,
  options: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short' },
): string {
  if (value === undefined || value === '') return '';
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return new Intl.DateTimeFormat(locale, { timeZone: 'UTC', ...options }).format(date);
}

export function formatDate(locale: string, value: string | number | Date | undefined): string {
  return formatDateTime(locale, value, { dateStyle: 'long' });
}

export function formatNumber(locale: string, value: number, options?: Intl.NumberFormatOptions): string {
  return new Intl.NumberFormat(locale, options).format(value);
}

/** "France", "Frankreich", "Francia" for FR; the code itself when Intl has no name. */
export function countryName(locale: string, code: string): string {
  try {
    return new Intl.DisplayNames([locale], { type: 'region', fallback: 'code' }).of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}
