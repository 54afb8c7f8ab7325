/** Where the region selector and the help page may send the browser back to: a path of admit itself. */
const ORIGIN = 'http://admit.invalid';

/**
 * The same-origin path of `value` (path and query, no fragment), or
 * undefined. Refused: absolute and scheme-relative URLs (`//evil`, `/\evil`,
 * which browsers read as another host), control characters, anything that
 * resolves to another origin, and overly long values.
 */
export function sameOriginPath(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > 512) return undefined;
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return undefined;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused.
  if (/[\u0000-\u001f\u007f]/.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value, ORIGIN);
  } catch {
    return undefined;
  }
  if (url.origin !== ORIGIN) return undefined;
  return `${url.pathname}${url.search}`;
}
