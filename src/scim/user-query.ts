import type { Account } from '../services/accounts.ts';
import type { SearchOptions } from '../services/accounts-index.ts';
import type { ScimCall, ScimDeps } from './deps.ts';
import { attributeOf, combinedPlan, type Filter, matches, parseFilter, type QueryPlan } from './filter.ts';
import { ScimError } from './scim-error.ts';
import { externalKey, readExtras } from './scim-store.ts';
import { userResource } from './user-resource.ts';

/**
 * Listing and filtering Users from the account indexes, never by reading
 * every account. A filter is served when one of its terms is a look-up an
 * index answers:
 *
 *   point  id eq, userName eq (the canonical user-name key), externalId eq,
 *          emails[.value] eq (the email index): a handful of accounts
 *   range  userName sw, emails[.value] sw, displayName eq / sw (the name
 *          index), emails[.value] co "@domain" (the domain index), active eq true
 *
 * `and` is served by one served term, the rest checked on what it found;
 * `or` by point look-ups only. Every hit is checked against the whole
 * filter on its SCIM representation. Anything else is refused
 * (invalidFilter) rather than answered by a scan.
 */
type Plan = QueryPlan<Account, { options: Omit<SearchOptions, 'limit' | 'after'> }>;

/** Attributes compared case-sensitively (RFC 7643: id and externalId are caseExact). */
export const userCaseExact = (attribute: string) => attribute === 'id' || attribute === 'externalid';

/** How far one list request may walk an index (skipped entries included) before it says tooMany. */
export const MAX_WALK = 1000;
export const MAX_COUNT = 100;

/** A value filter's terms with the attribute's path in front (not and nested value paths stay as they are: no index serves them). */
function prefixed(filter: Filter, path: string): Filter {
  if (filter.op === 'and' || filter.op === 'or') return { ...filter, filters: filter.filters.map((part) => prefixed(part, path)) };
  return 'compValue' in filter ? { ...filter, attrPath: `${path}.${filter.attrPath}` } : filter;
}

function planOf(deps: ScimDeps, call: ScimCall, filter: Filter): Plan | undefined {
  const { accounts, store } = deps;
  switch (filter.op) {
    case 'and':
    case 'or':
      return combinedPlan(
        filter.op,
        filter.filters.map((part) => planOf(deps, call, part)),
      );
    case '[]':
      // emails[type eq "work" and value eq "…"] is emails.type eq "work" and emails.value eq "…".
      return attributeOf(filter.attrPath) === 'emails' ? planOf(deps, call, prefixed(filter.valFilter, 'emails')) : undefined;
    case 'eq':
    case 'sw':
    case 'co': {
      const attribute = attributeOf(filter.attrPath);
      const value = filter.compValue;
      if (attribute === 'active' && filter.op === 'eq' && value === true) return { kind: 'range', options: { status: 'active' } };
      if (typeof value !== 'string') return undefined;
      const email = attribute === 'emails' || attribute === 'emails.value';
      if (filter.op === 'eq') {
        if (attribute === 'id') return { kind: 'point', find: async () => [await accounts.find(value)].filter((a): a is Account => a !== undefined) };
        if (attribute === 'username')
          return { kind: 'point', find: async () => [await accounts.findByUsername(call.siteId, value)].filter((a): a is Account => a !== undefined) };
        if (attribute === 'externalid')
          return {
            kind: 'point',
            find: async () => {
              const id = value.length <= 256 ? await store.get(externalKey(call.siteId, value)) : undefined;
              return id === undefined ? [] : [await accounts.find(id)].filter((a): a is Account => a !== undefined);
            },
          };
        if (email) return { kind: 'point', find: () => accounts.findByEmail(call.siteId, value) };
      }
      if (filter.op !== 'co' && (attribute === 'displayname' || attribute === 'name.formatted'))
        return { kind: 'range', options: { field: 'name', query: value } };
      if (filter.op === 'sw' && attribute === 'username') return { kind: 'range', options: { field: 'username', query: value } };
      if (filter.op === 'sw' && email) return { kind: 'range', options: { field: 'email', query: value } };
      // "co @partner.test" is "the domain starts with partner.test" on the domain index (then checked as written).
      if (filter.op === 'co' && email && value.startsWith('@') && value.length > 1 && !value.slice(1).includes('@'))
        return { kind: 'range', options: { query: value } };
      return undefined;
    }
    default:
      return undefined;
  }
}

export interface ListQuery {
  filter?: string;
  startIndex: number;
  count: number;
}

export interface ListAnswer {
  totalResults: number;
  resources: Record<string, unknown>[];
}

export async function listUsers(deps: ScimDeps, call: ScimCall, query: ListQuery): Promise<ListAnswer> {
  const filter = query.filter === undefined ? undefined : parseFilter(query.filter);
  const plan: Plan | undefined = filter ? planOf(deps, call, filter) : { kind: 'range', options: {} };
  if (!plan)
    throw new ScimError(
      400,
      'admit answers filters it can look up by an index: userName, id, externalId or emails eq; userName, emails or displayName sw; emails co "@domain"; combined with and (or: eq look-ups only).',
      'invalidFilter',
    );
  const represent = async (found: Account[]) => {
    const mine = found.filter((account) => account.siteId === call.siteId);
    const extras = await readExtras(
      deps.store,
      mine.map((account) => account.id),
    );
    return mine.flatMap((account, index) => {
      const extra = extras[index]!;
      if (extra.deleted) return [];
      const resource = userResource(account, extra, call.base);
      return !filter || matches(resource, filter, userCaseExact) ? [resource] : [];
    });
  };
  const skip = query.startIndex - 1;
  if (plan.kind === 'point') {
    const unique = [...new Map((await plan.find()).map((account) => [account.id, account])).values()];
    const resources = (await represent(unique)).sort((a, b) => String(a.userName).localeCompare(String(b.userName)));
    return { totalResults: resources.length, resources: resources.slice(skip, skip + query.count) };
  }
  if (skip + query.count > MAX_WALK) throw new ScimError(400, `startIndex + count may reach ${MAX_WALK} at most; narrow the filter.`, 'tooMany');
  // Walk the index a page at a time: the window [skip, skip + count) of what matches, counting on to the bound.
  const window: Record<string, unknown>[] = [];
  let matched = 0;
  let walked = 0;
  let after: string | undefined;
  let done = false;
  while (walked < MAX_WALK) {
    const page = await deps.accounts.search([call.siteId], { ...plan.options, after, limit: 100 });
    walked += page.accounts.length;
    for (const resource of await represent(page.accounts)) {
      if (matched >= skip && window.length < query.count) window.push(resource);
      matched += 1;
    }
    after = page.next;
    if (after === undefined) {
      done = true;
      break;
    }
  }
  // Past the bound the total is what was counted so far plus one: a client paging on asks again (and is told tooMany at the bound).
  return { totalResults: done ? matched : Math.max(matched, skip + window.length + 1), resources: window };
}
