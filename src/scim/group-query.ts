import { foldText } from '../services/accounts-index.ts';
import { storeKey } from '../store/port.ts';
import type { ScimCall, ScimDeps } from './deps.ts';
import { attributeOf, combinedPlan, type Filter, matches, parseFilter, type QueryPlan } from './filter.ts';
import { type GroupRecord, groupExternalKey, groupNameKey, groupsIndexKey, memberPages, readGroup, SEPARATOR } from './group-store.ts';
import { GROUP_SCHEMA, groupVersion } from './groups.ts';
import { ScimError } from './scim-error.ts';
import { readExtras } from './scim-store.ts';
import { type ListAnswer, type ListQuery, MAX_WALK } from './user-query.ts';

/** A group lists at most this many members (Entra reads groups with excludedAttributes=members). */
export const MAX_LISTED_MEMBERS = 1000;

/** The members as SCIM lists them (users SCIM still shows), at most MAX_LISTED_MEMBERS. */
async function membersOf(deps: ScimDeps, call: ScimCall, group: GroupRecord): Promise<{ value: string; display?: string; $ref: string }[]> {
  const members = new Map<string, { value: string; display?: string; $ref: string }>();
  for await (const page of memberPages(deps.store, call.siteId, group.id)) {
    const fresh = [...new Set(page)].filter((id) => !members.has(id));
    const [raws, extras] = await Promise.all([deps.store.getMany(fresh.map((id) => storeKey('account', id))), readExtras(deps.store, fresh)]);
    fresh.forEach((id, index) => {
      const raw = raws[index];
      if (raw === undefined || extras[index]!.deleted || members.size >= MAX_LISTED_MEMBERS) return;
      const account = JSON.parse(raw) as { username: string; siteId: string };
      if (account.siteId === call.siteId) members.set(id, { value: id, display: account.username, $ref: `${call.base}/Users/${encodeURIComponent(id)}` });
    });
    if (members.size >= MAX_LISTED_MEMBERS) break;
  }
  return [...members.values()];
}

export interface GroupShape {
  /** Leave the members out (excludedAttributes=members, or attributes without it). */
  withoutMembers?: boolean;
}

export async function groupResource(deps: ScimDeps, call: ScimCall, group: GroupRecord, shape: GroupShape = {}): Promise<Record<string, unknown>> {
  return {
    schemas: [GROUP_SCHEMA],
    id: group.id,
    ...(group.externalId ? { externalId: group.externalId } : {}),
    displayName: group.displayName,
    ...(shape.withoutMembers ? {} : { members: await membersOf(deps, call, group) }),
    meta: {
      resourceType: 'Group',
      created: group.created,
      lastModified: group.lastModified,
      location: `${call.base}/Groups/${encodeURIComponent(group.id)}`,
      version: groupVersion(group),
    },
  };
}

type Plan = QueryPlan<GroupRecord | undefined, { prefix: string }>;

/** Groups are found by id, displayName (eq: its key; sw: the name index) or externalId; or listed by name. */
function planOf(deps: ScimDeps, call: ScimCall, filter: Filter): Plan | undefined {
  const { store } = deps;
  const byKey = async (key: string) => {
    const id = await store.get(key);
    return id === undefined ? undefined : readGroup(store, call.siteId, id);
  };
  switch (filter.op) {
    case 'and':
    case 'or':
      return combinedPlan(
        filter.op,
        filter.filters.map((part) => planOf(deps, call, part)),
      );
    case 'eq':
    case 'sw': {
      const attribute = attributeOf(filter.attrPath);
      const value = filter.compValue;
      if (typeof value !== 'string' || value.length > 256) return undefined;
      if (filter.op === 'eq' && attribute === 'id') return { kind: 'point', find: async () => [await readGroup(store, call.siteId, value)] };
      if (filter.op === 'eq' && attribute === 'displayname') return { kind: 'point', find: async () => [await byKey(groupNameKey(call.siteId, value))] };
      if (filter.op === 'eq' && attribute === 'externalid') return { kind: 'point', find: async () => [await byKey(groupExternalKey(call.siteId, value))] };
      if (filter.op === 'sw' && attribute === 'displayname') return { kind: 'range', prefix: foldText(value) };
      return undefined;
    }
    default:
      return undefined;
  }
}

const caseExact = (attribute: string) => attribute === 'id' || attribute === 'externalid' || attribute.startsWith('members');
const mentionsMembers = (text: string | undefined) => text !== undefined && /members/i.test(text);

export async function listGroups(deps: ScimDeps, call: ScimCall, query: ListQuery, shape: GroupShape): Promise<ListAnswer> {
  const filter = query.filter === undefined ? undefined : parseFilter(query.filter);
  const plan: Plan | undefined = filter ? planOf(deps, call, filter) : { kind: 'range', prefix: '' };
  if (!plan)
    throw new ScimError(
      400,
      'admit answers group filters by id, displayName or externalId eq, and displayName sw (with and; or: eq look-ups only).',
      'invalidFilter',
    );
  // A filter on members is checked on the members (so they are read, up to the listing's bound).
  const checkShape = { withoutMembers: !mentionsMembers(query.filter) };
  const represent = async (groups: (GroupRecord | undefined)[]) => {
    const found: Record<string, unknown>[] = [];
    for (const group of groups) {
      if (!group) continue;
      const checked = await groupResource(deps, call, group, checkShape);
      if (filter && !matches(checked, filter, caseExact)) continue;
      found.push(shape.withoutMembers === checkShape.withoutMembers ? checked : await groupResource(deps, call, group, shape));
    }
    return found;
  };
  const skip = query.startIndex - 1;
  if (plan.kind === 'point') {
    const unique = [...new Map((await plan.find()).filter((g): g is GroupRecord => g !== undefined).map((group) => [group.id, group])).values()];
    const resources = await represent(unique);
    return { totalResults: resources.length, resources: resources.slice(skip, skip + query.count) };
  }
  if (skip + query.count > MAX_WALK) throw new ScimError(400, `startIndex + count may reach ${MAX_WALK} at most; narrow the filter.`, 'tooMany');
  const window: Record<string, unknown>[] = [];
  let matched = 0;
  let walked = 0;
  let after: string | undefined;
  let done = false;
  while (walked < MAX_WALK) {
    const members = await deps.store.lexRange(groupsIndexKey(call.siteId), { prefix: plan.prefix || undefined, after, limit: 100 });
    walked += members.length;
    const groups = await Promise.all(members.map((member) => readGroup(deps.store, call.siteId, member.slice(member.lastIndexOf(SEPARATOR) + 1))));
    for (const resource of await represent(groups)) {
      if (matched >= skip && window.length < query.count) window.push(resource);
      matched += 1;
    }
    if (members.length < 100) {
      done = true;
      break;
    }
    after = members.at(-1);
  }
  return { totalResults: done ? matched : Math.max(matched, skip + window.length + 1), resources: window };
}
