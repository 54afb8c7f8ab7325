import { type Filter, parse } from 'scim2-parse-filter';
import { ScimError } from './scim-error.ts';

/**
 * SCIM filters (RFC 7644 §3.4.2.2), parsed by scim2-parse-filter after
 * admit's own bounds: the parser is recursive, so a filter nested deep
 * enough would exhaust the stack, and a long one costs time before it
 * is refused. Matching is admit's own (the library's compares strings
 * case-sensitively; userName, emails and displayName are caseExact false
 * in RFC 7643).
 */
export const MAX_FILTER_LENGTH = 1000;
/** Brackets, parentheses and `not`s inside each other. */
export const MAX_FILTER_DEPTH = 5;
/** Comparisons in one filter. */
export const MAX_FILTER_TERMS = 12;

const invalid = (detail: string) => new ScimError(400, detail, 'invalidFilter');

/** The filter's text without its quoted values (so a value may say `(` or `not`). */
const unquoted = (text: string) => text.replace(/"(?:[^"\\]|\\.)*"/g, '""');

function depthOf(text: string): number {
  let depth = 0;
  let deepest = 0;
  for (const char of unquoted(text)) {
    if (char === '(' || char === '[') deepest = Math.max(deepest, ++depth);
    else if (char === ')' || char === ']') depth -= 1;
  }
  return deepest + (unquoted(text).match(/\bnot\b/gi)?.length ?? 0);
}

function termsOf(filter: Filter): number {
  switch (filter.op) {
    case 'and':
    case 'or':
      return filter.filters.reduce((sum, part) => sum + termsOf(part), 0);
    case 'not':
      return termsOf(filter.filter);
    case '[]':
      return termsOf(filter.valFilter);
    default:
      return 1;
  }
}

export function parseFilter(text: string): Filter {
  if (text.length > MAX_FILTER_LENGTH) throw invalid(`The filter is longer than ${MAX_FILTER_LENGTH} characters.`);
  if (depthOf(text) > MAX_FILTER_DEPTH) throw invalid(`The filter nests deeper than ${MAX_FILTER_DEPTH} levels.`);
  let filter: Filter;
  try {
    filter = parse(text);
  } catch {
    throw invalid('The filter is not a SCIM filter expression (RFC 7644 §3.4.2.2).');
  }
  if (termsOf(filter) > MAX_FILTER_TERMS) throw invalid(`The filter has more than ${MAX_FILTER_TERMS} comparisons.`);
  return filter;
}

const CORE_PREFIX = /^urn:ietf:params:scim:schemas:core:2\.0:(user|group):/i;
/** An attribute path as admit compares it: lower case, without the core schema's URN. */
export const attributeOf = (path: string) => path.replace(CORE_PREFIX, '').toLowerCase();

type Resource = Record<string, unknown>;

/** The values at a dotted path, arrays flattened (emails.value: every email's value). */
function valuesAt(resource: unknown, path: string[]): unknown[] {
  if (path.length === 0) return Array.isArray(resource) ? resource : [resource];
  if (Array.isArray(resource)) return resource.flatMap((item) => valuesAt(item, path));
  if (resource === null || typeof resource !== 'object') return [];
  const key = Object.keys(resource).find((name) => name.toLowerCase() === path[0]);
  return key === undefined ? [] : valuesAt((resource as Resource)[key], path.slice(1));
}

type Compare = Extract<Filter, { compValue: unknown }>;

function compare(op: Compare['op'], value: unknown, wanted: Compare['compValue'], caseExact: boolean): boolean {
  if (value === undefined || value === null) return op === 'ne';
  const fold = (v: unknown) => (typeof v === 'string' && !caseExact ? v.toLowerCase() : v);
  const a = fold(value);
  const b = fold(wanted);
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'co':
      return typeof a === 'string' && typeof b === 'string' && a.includes(b);
    case 'sw':
      return typeof a === 'string' && typeof b === 'string' && a.startsWith(b);
    case 'ew':
      return typeof a === 'string' && typeof b === 'string' && a.endsWith(b);
    default: {
      if (b === null || typeof a !== typeof b) return false;
      const order = (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
      return op === 'gt' ? order > 0 : op === 'ge' ? order >= 0 : op === 'lt' ? order < 0 : order <= 0;
    }
  }
}

/**
 * Whether the resource matches the filter. `caseExact(path)` says which
 * attributes compare case-sensitively (id and externalId do; user names,
 * emails and display names do not).
 */
export function matches(resource: unknown, filter: Filter, caseExact: (attribute: string) => boolean, prefix = ''): boolean {
  switch (filter.op) {
    case 'and':
      return filter.filters.every((part) => matches(resource, part, caseExact, prefix));
    case 'or':
      return filter.filters.some((part) => matches(resource, part, caseExact, prefix));
    case 'not':
      return !matches(resource, filter.filter, caseExact, prefix);
    case '[]': {
      const path = attributeOf(filter.attrPath);
      return valuesAt(resource, path.split('.')).some((item) => matches(item, filter.valFilter, caseExact, `${prefix}${path}.`));
    }
    case 'pr':
      return valuesAt(resource, attributeOf(filter.attrPath).split('.')).some((value) => value !== undefined && value !== null && value !== '');
    default: {
      const path = attributeOf(filter.attrPath);
      const exact = caseExact(`${prefix}${path}`);
      // A complex attribute compared as a whole (`emails co "@x"`) is compared by its value sub-attribute (RFC 7644 §3.4.2.2).
      const values = valuesAt(resource, path.split('.')).map((value) =>
        value && typeof value === 'object' && 'value' in value ? (value as { value: unknown }).value : value,
      );
      return filter.op === 'ne'
        ? values.every((value) => compare('ne', value, filter.compValue, exact))
        : values.some((value) => compare(filter.op, value, filter.compValue, exact));
    }
  }
}

/** How a filter is served from the indexes: look-ups that return what they find, or one index range to walk. */
export type QueryPlan<Point, Range> = { kind: 'point'; find: () => Promise<Point[]> } | ({ kind: 'range' } & Range);

/**
 * The plan of `and` / `or` from its parts' plans (undefined: not servable).
 * `and` is served by one part — a look-up if there is one, else a range —
 * and `matches` checks the rest; `or` only when every part is a look-up.
 */
export function combinedPlan<Point, Range>(op: 'and' | 'or', plans: (QueryPlan<Point, Range> | undefined)[]): QueryPlan<Point, Range> | undefined {
  if (op === 'and') return plans.find((plan) => plan?.kind === 'point') ?? plans.find((plan) => plan !== undefined);
  const points = plans.filter((plan): plan is { kind: 'point'; find: () => Promise<Point[]> } => plan?.kind === 'point');
  if (points.length !== plans.length) return undefined;
  return { kind: 'point', find: async () => (await Promise.all(points.map((plan) => plan.find()))).flat() };
}

export type { Filter };
