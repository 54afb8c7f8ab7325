/**
 * A text to be translated later, where the language is known: code that
 * builds a page's data (a title, a notice kept in the interaction for the
 * next page, a wizard step's label) names the key, and the renderer puts
 * the words in. Plain JSON, so it survives being stored in a flash.
 */
export interface Text {
  i18nKey: string;
  vars?: Record<string, unknown>;
}

export function text(i18nKey: string, vars?: Record<string, unknown>): Text {
  return vars ? { i18nKey, vars } : { i18nKey };
}

export function isText(value: unknown): value is Text {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Text).i18nKey === 'string' &&
    Object.keys(value).every((k) => k === 'i18nKey' || k === 'vars')
  );
}

export type Translate = (key: string, vars?: Record<string, unknown>) => string;

/**
 * Replaces every Text inside a page's data with its words (plain objects
 * and arrays, a few levels deep: what views receive); anything else is left
 * as it is. Text inside a Text's vars is translated first.
 */
export function localize<T>(value: T, t: Translate, depth = 0): T {
  if (isText(value)) return t(value.i18nKey, value.vars ? localize(value.vars, t, depth + 1) : undefined) as T;
  if (depth > 5 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => localize(item, t, depth + 1)) as T;
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = localize(item, t, depth + 1);
  return out as T;
}
