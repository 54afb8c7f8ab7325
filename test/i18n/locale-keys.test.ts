import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLocaleFiles } from '../../src/i18n/load.ts';
import { SHIPPED_LOCALES } from '../../src/i18n/locales.ts';

/**
 * Every shipped language has every key English has, and no key English
 * lacks, with the same {{variables}}: a translation that forgets a key shows
 * English (i18next falls back), one that drops a variable shows a gap.
 * Plural forms (`_one`, `_other`, …) are compared by their base key, since
 * languages have different sets of forms; each needs its `_other`.
 */
const resources = loadLocaleFiles(join(import.meta.dirname, '../../locales'));
const PLURAL = /_(zero|one|two|few|many|other)$/;

function flatten(value: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof item === 'string') out.set(path, item);
    else if (item && typeof item === 'object') for (const [k, v] of flatten(item, path)) out.set(k, v);
    else out.set(path, `<not a string: ${JSON.stringify(item)}>`);
  }
  return out;
}

/** The base keys of a namespace with the variables of each (a plural group's forms together). */
function shapeOf(namespace: Record<string, unknown>): Map<string, Set<string>> {
  const shape = new Map<string, Set<string>>();
  for (const [key, value] of flatten(namespace)) {
    const base = key.replace(PLURAL, '');
    const vars = shape.get(base) ?? new Set<string>();
    for (const match of value.matchAll(/\{\{\s*([\w.]+)\s*(,[^}]*)?\}\}/g)) vars.add(match[1]!);
    shape.set(base, vars);
  }
  return shape;
}

describe('shipped locales', () => {
  it('ships English, French, German and Spanish, each with the namespaces English has', () => {
    expect(Object.keys(resources).sort()).toEqual([...SHIPPED_LOCALES].sort());
    const namespaces = Object.keys(resources.en ?? {}).sort();
    expect(namespaces).toEqual(expect.arrayContaining(['common', 'errors', 'mfa', 'password', 'signin']));
    for (const locale of SHIPPED_LOCALES) expect(Object.keys(resources[locale] ?? {}).sort(), locale).toEqual(namespaces);
  });

  for (const locale of SHIPPED_LOCALES.filter((l) => l !== 'en')) {
    it(`${locale}: every key of en and no other, with the same variables, none empty`, () => {
      const problems: string[] = [];
      for (const [namespace, english] of Object.entries(resources.en ?? {})) {
        const expected = shapeOf(english);
        const translated = resources[locale]?.[namespace] ?? {};
        const actual = shapeOf(translated);
        for (const [key, vars] of expected) {
          const found = actual.get(key);
          if (!found) problems.push(`${locale}/${namespace}.json lacks ${key}`);
          else if ([...vars].sort().join() !== [...found].sort().join())
            problems.push(`${locale}/${namespace}.json ${key}: variables {${[...found].join(', ')}}, English has {${[...vars].join(', ')}}`);
        }
        for (const key of actual.keys()) if (!expected.has(key)) problems.push(`${locale}/${namespace}.json has ${key}, which English does not`);
        for (const [key, value] of flatten(translated)) if (value.trim() === '') problems.push(`${locale}/${namespace}.json ${key} is empty`);
      }
      expect(problems).toEqual([]);
    });
  }

  it("every plural group has its '_other' form in every language", () => {
    const problems: string[] = [];
    for (const locale of SHIPPED_LOCALES) {
      for (const [namespace, values] of Object.entries(resources[locale] ?? {})) {
        const keys = [...flatten(values).keys()];
        for (const key of keys.filter((k) => PLURAL.test(k))) {
          const other = key.replace(PLURAL, '_other');
          if (!keys.includes(other)) problems.push(`${locale}/${namespace}.json: ${key} without ${other}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
