import { randomBytes } from 'node:crypto';
import { foldText } from '../services/accounts-index.ts';
import { type Store, storeKey } from '../store/port.ts';
import { ScimError } from './scim-error.ts';

/**
 * SCIM Groups of a site, kept by SCIM (admit's own notion of a group is a
 * name in an account's `groups`; a SCIM group's members get its display
 * name there, in `grantedGroups` too so a sign-in's directory groups do not
 * drop it). Every key shares the site's hash tag.
 *
 *   scim-group:{SITE}:<id>              the group (display name, externalId, version)
 *   scim-group-name:{SITE}:<folded>     the id of a display name (unique per site)
 *   scim-group-ext:{SITE}:<externalId>  the id of an externalId
 *   scim-groups:{SITE}                  lexicographic index "<folded name>\u0001<id>" (list, sw)
 *   scim-group-members:{SITE}:<id>      the members' account ids (a set, walked a page at a time)
 */
export interface GroupRecord {
  id: string;
  displayName: string;
  externalId?: string;
  created: string;
  lastModified: string;
  /** Counts every change (members too): the group's ETag. */
  version: number;
}

export const SEPARATOR = '\u0001';
export const groupKey = (siteId: string, id: string) => storeKey('scim-group', siteId, id);
export const groupNameKey = (siteId: string, displayName: string) => storeKey('scim-group-name', siteId, foldText(displayName));
export const groupExternalKey = (siteId: string, externalId: string) => storeKey('scim-group-ext', siteId, externalId);
export const groupsIndexKey = (siteId: string) => storeKey('scim-groups', siteId);
export const membersKey = (siteId: string, id: string) => storeKey('scim-group-members', siteId, id);
export const indexMember = (group: Pick<GroupRecord, 'id' | 'displayName'>) => `${foldText(group.displayName)}${SEPARATOR}${group.id}`;

export const newGroupId = () => randomBytes(12).toString('base64url');

export async function readGroup(store: Store, siteId: string, id: string): Promise<GroupRecord | undefined> {
  if (id.length > 100) return undefined;
  const raw = await store.get(groupKey(siteId, id));
  return raw === undefined ? undefined : (JSON.parse(raw) as GroupRecord);
}

export async function requireGroup(store: Store, siteId: string, id: string): Promise<GroupRecord> {
  const group = await readGroup(store, siteId, id);
  if (!group) throw new ScimError(404, `No group ${id} in this site.`);
  return group;
}

/** Every member of the group, a page of the set at a time (never the whole set at once). */
export async function* memberPages(store: Store, siteId: string, id: string): AsyncGenerator<string[]> {
  let cursor: string | undefined;
  do {
    const page = await store.setScan(membersKey(siteId, id), { cursor, count: 200 });
    if (page.members.length) yield page.members;
    cursor = page.cursor;
  } while (cursor !== undefined);
}
