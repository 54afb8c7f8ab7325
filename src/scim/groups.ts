import { z } from 'zod';
import { auditScim, type ScimCall, type ScimDeps } from './deps.ts';
import {
  type GroupRecord,
  groupExternalKey,
  groupKey,
  groupNameKey,
  groupsIndexKey,
  indexMember,
  memberPages,
  membersKey,
  newGroupId,
  requireGroup,
} from './group-store.ts';
import { type PatchOp, readPatch } from './patch-ops.ts';
import { ScimError } from './scim-error.ts';
import { readExtra, withLock } from './scim-store.ts';
import { checkIfMatch } from './users.ts';

export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
/** Member values one request may name (Entra sends memberships in small batches). */
export const MAX_MEMBERS_PER_REQUEST = 1000;

const memberList = z
  .array(z.looseObject({ value: z.string().min(1).max(100) }), { error: 'members must be a list of {"value": "<user id>"}' })
  .max(MAX_MEMBERS_PER_REQUEST, `at most ${MAX_MEMBERS_PER_REQUEST} members in one request`);
const groupInput = z.looseObject({
  displayName: z.string({ error: 'required (a string)' }).trim().min(1, 'required').max(256, 'at most 256 characters'),
  externalId: z
    .union([z.string().trim().min(1).max(256), z.null()])
    .optional()
    .transform((value) => value ?? undefined),
  members: z
    .union([memberList, z.null()])
    .optional()
    .transform((value) => value ?? undefined),
});
type GroupInput = z.infer<typeof groupInput>;

function parse<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ScimError(400, `${issue?.path.join('.') || 'body'}: ${issue?.message}`, 'invalidValue');
}

export const groupVersion = (group: GroupRecord) => `W/"v${group.version}"`;

/**
 * SCIM Groups of a site: create, rename, delete, and members added and
 * removed (Entra's `add` / `remove` of `members`, and its older
 * `remove` with `members[value eq "…"]`). A member gets the group's display
 * name in its account's groups. Writes hold the group's lock; each member's
 * account is changed under that user's lock.
 */
export function createScimGroups(deps: ScimDeps) {
  const { store } = deps;

  async function regroup(call: ScimCall, accountId: string, remove?: string, add?: string): Promise<void> {
    await withLock(store, accountId, async () => {
      const account = await deps.accounts.find(accountId);
      if (!account || account.siteId !== call.siteId) return;
      const change = (names: string[]) => [...new Set([...names.filter((name) => name !== remove), ...(add ? [add] : [])])];
      const groups = change(account.groups);
      const grantedGroups = change(account.grantedGroups ?? []);
      if (JSON.stringify(groups) === JSON.stringify(account.groups) && JSON.stringify(grantedGroups) === JSON.stringify(account.grantedGroups ?? [])) return;
      await deps.accounts.save({ ...account, groups, grantedGroups });
    });
  }

  /** The ids, once each, all of live users of this site; otherwise 400 and nothing changes. */
  async function membersOf(call: ScimCall, values: { value: string }[]): Promise<string[]> {
    const ids = [...new Set(values.map((member) => member.value))];
    for (const id of ids) {
      const account = await deps.accounts.find(id);
      if (!account || account.siteId !== call.siteId || (await readExtra(store, id)).deleted)
        throw new ScimError(400, `members: no user ${id} in this site.`, 'invalidValue');
    }
    return ids;
  }

  /**
   * Claims a per-site key (a display name, an externalId) for the group: of
   * parallel claims one wins. A claim whose group is gone (a process killed
   * between the claim and the group's write) is taken over.
   */
  async function claim(call: ScimCall, key: string, id: string, attribute: string): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      if (await store.setIfAbsent(key, id)) return;
      const holder = await store.get(key);
      if (holder === id) return;
      if (holder !== undefined && (await store.get(groupKey(call.siteId, holder))) !== undefined) break;
      if (holder !== undefined) await store.compareAndDelete(key, holder);
    }
    throw new ScimError(409, `${attribute} is already used by another group of this site.`, 'uniqueness');
  }
  const claimName = (call: ScimCall, displayName: string, id: string) => claim(call, groupNameKey(call.siteId, displayName), id, 'displayName');

  async function addMembers(call: ScimCall, group: GroupRecord, ids: string[]): Promise<number> {
    for (const id of ids) {
      await store.addToSet(membersKey(call.siteId, group.id), id);
      await regroup(call, id, undefined, group.displayName);
    }
    return ids.length;
  }

  async function removeMembers(call: ScimCall, group: GroupRecord, ids: string[]): Promise<number> {
    for (const id of ids) {
      await store.removeFromSet(membersKey(call.siteId, group.id), id);
      await regroup(call, id, group.displayName);
    }
    return ids.length;
  }

  async function save(call: ScimCall, group: GroupRecord): Promise<void> {
    await store.set(groupKey(call.siteId, group.id), JSON.stringify(group));
  }

  async function create(call: ScimCall, body: unknown): Promise<GroupRecord> {
    const input = parse(groupInput, body);
    const members = await membersOf(call, input.members ?? []);
    const id = newGroupId();
    await claimName(call, input.displayName, id);
    if (input.externalId) {
      try {
        await claim(call, groupExternalKey(call.siteId, input.externalId), id, 'externalId');
      } catch (error) {
        await store.compareAndDelete(groupNameKey(call.siteId, input.displayName), id);
        throw error;
      }
    }
    const now = new Date().toISOString();
    const group: GroupRecord = { id, displayName: input.displayName, externalId: input.externalId, created: now, lastModified: now, version: 1 };
    await store.writeAll([
      { op: 'set', key: groupKey(call.siteId, id), value: JSON.stringify(group) },
      { op: 'lexAdd', key: groupsIndexKey(call.siteId), member: indexMember(group) },
    ]);
    await addMembers(call, group, members);
    auditScim(deps, call, { action: 'scim.group.create', outcome: 'ok', detail: { group: id, displayName: group.displayName, members: members.length } });
    return group;
  }

  /** Renames and re-ids the group (display name unique), moving the name in every member's account. */
  async function rename(call: ScimCall, group: GroupRecord, input: Pick<GroupInput, 'displayName' | 'externalId'>): Promise<GroupRecord> {
    let next = group;
    if (input.externalId !== group.externalId) {
      if (input.externalId) await claim(call, groupExternalKey(call.siteId, input.externalId), group.id, 'externalId');
      if (group.externalId) await store.compareAndDelete(groupExternalKey(call.siteId, group.externalId), group.id);
      next = { ...next, externalId: input.externalId };
    }
    if (input.displayName !== group.displayName) {
      await claimName(call, input.displayName, group.id);
      next = { ...next, displayName: input.displayName };
      await store.writeAll([
        { op: 'lexRemove', key: groupsIndexKey(call.siteId), member: indexMember(group) },
        { op: 'lexAdd', key: groupsIndexKey(call.siteId), member: indexMember(next) },
      ]);
      if (groupNameKey(call.siteId, group.displayName) !== groupNameKey(call.siteId, input.displayName))
        await store.compareAndDelete(groupNameKey(call.siteId, group.displayName), group.id);
      for await (const page of memberPages(store, call.siteId, group.id)) {
        for (const id of page) await regroup(call, id, group.displayName, input.displayName);
      }
    }
    return next;
  }

  async function replaceMembers(call: ScimCall, group: GroupRecord, ids: string[]): Promise<{ added: number; removed: number }> {
    const wanted = new Set(ids);
    const present = new Set<string>();
    let removed = 0;
    for await (const page of memberPages(store, call.siteId, group.id)) {
      for (const id of page) present.add(id);
      removed += await removeMembers(
        call,
        group,
        page.filter((id) => !wanted.has(id)),
      );
    }
    const added = await addMembers(
      call,
      group,
      ids.filter((id) => !present.has(id)),
    );
    return { added, removed };
  }

  async function replace(call: ScimCall, id: string, body: unknown, ifMatch?: string): Promise<GroupRecord> {
    const input = parse(groupInput, body);
    return withLock(store, `${call.siteId}:group:${id}`, async () => {
      const group = await requireGroup(store, call.siteId, id);
      checkIfMatch(ifMatch, groupVersion(group));
      const members = await membersOf(call, input.members ?? []);
      const renamed = await rename(call, group, input);
      const counts = await replaceMembers(call, renamed, members);
      const next = { ...renamed, version: group.version + 1, lastModified: new Date().toISOString() };
      await save(call, next);
      auditScim(deps, call, { action: 'scim.group.update', outcome: 'ok', detail: { group: id, displayName: next.displayName, ...counts } });
      return next;
    });
  }

  /** The member ids an operation names: its value list, or Entra's older `members[value eq "<id>"]` path. */
  function memberValues(op: PatchOp): { value: string }[] {
    const inPath = op.path?.match(/^members\[\s*value\s+eq\s+"([^"]{1,100})"\s*\]$/i);
    if (inPath) return [{ value: inPath[1]! }];
    if (op.value === undefined && op.op === 'remove') return [];
    return parse(memberList, Array.isArray(op.value) ? op.value : [op.value]);
  }

  async function patch(call: ScimCall, id: string, body: unknown, ifMatch?: string): Promise<GroupRecord> {
    const ops = readPatch(body);
    return withLock(store, `${call.siteId}:group:${id}`, async () => {
      let group = await requireGroup(store, call.siteId, id);
      checkIfMatch(ifMatch, groupVersion(group));
      // Check every operation before changing anything.
      const steps: (() => Promise<void>)[] = [];
      let added = 0;
      let removed = 0;
      for (const op of ops) {
        const path = (op.path ?? '').replace(/^urn:ietf:params:scim:schemas:core:2\.0:Group:/i, '');
        const attribute = path.toLowerCase();
        if (attribute === 'members' || attribute.startsWith('members[')) {
          const ids = op.op === 'remove' ? memberValues(op).map((member) => member.value) : await membersOf(call, memberValues(op));
          if (op.op === 'add')
            steps.push(async () => {
              added += await addMembers(call, group, ids);
            });
          else if (op.op === 'remove' && attribute === 'members' && op.value === undefined)
            steps.push(async () => {
              removed += (await replaceMembers(call, group, [])).removed;
            });
          else if (op.op === 'remove')
            steps.push(async () => {
              removed += await removeMembers(call, group, ids);
            });
          else
            steps.push(async () => {
              const counts = await replaceMembers(call, group, ids);
              added += counts.added;
              removed += counts.removed;
            });
        } else if (attribute === 'displayname' && op.op !== 'remove') {
          const { displayName } = parse(groupInput.pick({ displayName: true }), { displayName: op.value });
          steps.push(async () => {
            group = await rename(call, group, { displayName, externalId: group.externalId });
          });
        } else if (attribute === 'externalid') {
          const { externalId } = parse(groupInput.pick({ externalId: true }), { externalId: op.op === 'remove' ? null : op.value });
          steps.push(async () => {
            group = await rename(call, group, { displayName: group.displayName, externalId });
          });
        } else if (attribute === 'displayname') {
          throw new ScimError(400, 'displayName is required; it cannot be removed.', 'mutability');
        } else {
          throw new ScimError(400, `"${op.path}" is not an attribute of a group admit keeps.`, 'invalidPath');
        }
      }
      for (const step of steps) await step();
      const next = { ...group, version: group.version + 1, lastModified: new Date().toISOString() };
      await save(call, next);
      auditScim(deps, call, { action: 'scim.group.update', outcome: 'ok', detail: { group: id, displayName: next.displayName, added, removed } });
      return next;
    });
  }

  async function remove(call: ScimCall, id: string, ifMatch?: string): Promise<void> {
    await withLock(store, `${call.siteId}:group:${id}`, async () => {
      const group = await requireGroup(store, call.siteId, id);
      checkIfMatch(ifMatch, groupVersion(group));
      const { removed } = await replaceMembers(call, group, []);
      await store.writeAll([
        { op: 'delete', key: groupKey(call.siteId, id) },
        { op: 'delete', key: membersKey(call.siteId, id) },
        { op: 'lexRemove', key: groupsIndexKey(call.siteId), member: indexMember(group) },
      ]);
      await store.compareAndDelete(groupNameKey(call.siteId, group.displayName), id);
      if (group.externalId) await store.compareAndDelete(groupExternalKey(call.siteId, group.externalId), id);
      auditScim(deps, call, { action: 'scim.group.delete', outcome: 'ok', detail: { group: id, displayName: group.displayName, removed } });
    });
  }

  return { create, replace, patch, remove };
}

export type ScimGroups = ReturnType<typeof createScimGroups>;
