import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * No user-facing English left in the end-user templates: every text node,
 * and every attribute a person reads or hears (placeholder, aria-label,
 * title, alt, a button input's value), comes from `t(...)`. The stacked tables' data-label is read too (shown at phone width). The admin
 * console (views/admin) is covered too (admin.json); the help page, region selector
 * and brand partials are their own area's (with their own keys).
 */
const VIEWS = join(import.meta.dirname, '../../views');
const NOT_HERE = [/^help\//, /^partials\/region-selector\.ejs$/, /^partials\/brand[^/]*\.ejs$/];

// Names and symbols that are the same in every language.
const ALLOWED = new Set(['admit', 'Customer & Partner Center', 'Customer &amp; Partner Center', '—', '·', '+', ':', '(', ')', '•', '…', 'Subject:']);

function templates(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? templates(path) : name.endsWith('.ejs') ? [path] : [];
  });
}

/** What a reader meets in a template once its EJS is taken out: text nodes and the read attributes. */
function readableText(source: string, plainText: boolean): string[] {
  // EJS tags (output, scriptlets, comments) become a neutral gap; their strings are code, not text.
  let html = source.replace(/<%[\s\S]*?%>/g, ' ');
  if (plainText)
    return html
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
  html = html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<script[\s\S]*?<\/script>/gi, ' ')
    .replace(/<style[\s\S]*?<\/style>/gi, ' ')
    .replace(/<svg[\s\S]*?<\/svg>/gi, ' ');
  const found: string[] = [];
  for (const tag of html.matchAll(/<[a-zA-Z][^>]*>/g)) {
    for (const attribute of tag[0].matchAll(/\s(placeholder|aria-label|title|alt|value|data-label)="([^"]*)"/g)) {
      const [, name, value] = attribute;
      // A value is read only on a button-like <input>; elsewhere (a <button>, a radio) it is what the form posts.
      if (name === 'value' && !(/^<input\b/.test(tag[0]) && /type="(submit|button|reset)"/.test(tag[0]))) continue;
      found.push(value!.trim());
    }
  }
  for (const node of html.replace(/<[^>]*>/g, '\n').split('\n')) found.push(node.trim());
  return found.filter(Boolean);
}

const isEnglish = (piece: string) => /[A-Za-z]{2,}/.test(piece) && !ALLOWED.has(piece);

describe('end-user templates', () => {
  const files = templates(VIEWS)
    .map((path) => ({ path, name: relative(VIEWS, path) }))
    .filter(({ name }) => !NOT_HERE.some((pattern) => pattern.test(name)));

  it('covers the areas converted to keys', () => {
    const areas = new Set(files.map(({ name }) => name.split('/')[0]));
    for (const area of [
      'sign-in',
      'mfa',
      'password',
      'federated',
      'logout',
      'partials',
      'registration',
      'portal',
      'email',
      'admin',
      'layout.ejs',
      'error.ejs',
    ]) {
      expect(areas, area).toContain(area);
    }
  });

  it('have no English outside t(...)', () => {
    const left = files.flatMap(({ path, name }) =>
      readableText(readFileSync(path, 'utf8'), name.endsWith('.text.ejs'))
        .filter(isEnglish)
        .map((piece) => `${name}: ${JSON.stringify(piece)}`),
    );
    expect(left).toEqual([]);
  });

  it('would catch English in a text node and in a read attribute', () => {
    const sample = '<p>Hello <%= t("x") %></p><input type="submit" value="Send"><img alt="Logo" src="a"><button value="back"><%= t("back") %></button>';
    expect(readableText(sample, false).filter(isEnglish)).toEqual(['Send', 'Logo', 'Hello']);
  });
});
