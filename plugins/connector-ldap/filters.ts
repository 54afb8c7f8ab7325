import { createRequire } from 'node:module';
import type * as Ldapts from 'ldapts';

/**
 * ldapts, required at first use: the site schema (settings.ts) checks filter
 * templates with it and plugin.ts declares that schema, so a static import
 * here would load the LDAP library for a config without an LDAP site.
 */
let library: typeof Ldapts | undefined;
const ldapts = () => (library ??= createRequire(import.meta.url)('ldapts') as typeof Ldapts);

/**
 * Filter templates from the site config, filled with untrusted values. Every
 * value goes through ldapts's RFC 4515 escaping, so `*`, `(`, `)`, `\` and NUL
 * stay data: `bob)(|(employeeType=*` is a user name, never a filter clause.
 */
const PLACEHOLDER = /\{(username|dn)\}/g;

export function fillFilter(template: string, values: { username: string; dn?: string }): string {
  return template.replace(PLACEHOLDER, (_, name: 'username' | 'dn') => ldapts().Filter.escape(values[name] ?? ''));
}

/** Why a template is unusable, or undefined; checked when the settings are read. */
export function checkFilterTemplate(template: string, required: string[]): string | undefined {
  for (const placeholder of required) {
    if (!template.includes(placeholder)) return `must contain ${placeholder}`;
  }
  const unknown = template.match(/\{[^}]*\}/g)?.find((token) => !/^\{(username|dn)\}$/.test(token));
  if (unknown) return `unknown placeholder ${unknown}: use {username} or {dn}`;
  if (!balanced(template)) return 'not a valid LDAP filter: write it in parentheses, each one closed';
  try {
    ldapts().FilterParser.parseString(fillFilter(template, { username: 'x', dn: 'cn=x' }));
    return undefined;
  } catch (error) {
    return `not a valid LDAP filter: ${(error as Error).message}`;
  }
}

/** ldapts closes an unclosed "(&(a=b)" silently; a typo must not quietly change a site's filter. */
function balanced(template: string): boolean {
  if (!template.startsWith('(') || !template.endsWith(')')) return false;
  let depth = 0;
  for (const char of template) {
    depth += char === '(' ? 1 : char === ')' ? -1 : 0;
    if (depth < 0) return false;
  }
  return depth === 0;
}
