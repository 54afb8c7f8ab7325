import type { DirectoryIdentity } from '../../src/kit/index.ts';
import { guidToString } from './active-directory.ts';
import type { LdapSession } from './connection.ts';
import { type DirectoryEntry, readEntry } from './directory-entry.ts';
import { fillFilter } from './filters.ts';
import type { LdapSettings } from './settings.ts';

/** Longer names are refused before any search: no directory has them, and they only cost the server. */
export const MAX_USERNAME_LENGTH = 256;

/** ppolicy state read with the user, for servers that do not answer the ppolicy control. */
const PPOLICY_ATTRIBUTES = ['pwdAccountLockedTime', 'pwdReset'];

/**
 * Finds the one entry for a user name with the service account. Zero or
 * several matches are both "no such user": a filter that is not unique for
 * a name must never pick one of the candidates.
 */
export async function findUser(session: LdapSession, settings: LdapSettings, username: string): Promise<DirectoryEntry | undefined> {
  const { attributes } = settings;
  const requested = [attributes.username, attributes.email, attributes.name, attributes.phone, settings.idAttribute];
  if (settings.groups.mode === 'memberOf') requested.push(attributes.memberOf);
  if (settings.flavor === 'openldap') requested.push(...PPOLICY_ATTRIBUTES);
  const { searchEntries } = await session.search(settings.userBase, {
    scope: 'sub',
    filter: fillFilter(settings.userFilter, { username }),
    sizeLimit: 2,
    timeLimit: Math.ceil(settings.timeoutMs / 1000),
    attributes: requested,
    explicitBufferAttributes: settings.idAttribute === 'objectGUID' ? ['objectGUID', 'objectguid'] : [],
  });
  const [only] = searchEntries;
  return searchEntries.length === 1 && only ? readEntry(only) : undefined;
}

/** The directory's immutable id: a renamed or moved user keeps their admit account. */
export function externalIdOf(entry: DirectoryEntry, settings: LdapSettings): string {
  if (settings.idAttribute === 'objectGUID') {
    const guid = entry.buffer('objectGUID');
    if (guid) return guidToString(guid);
  } else {
    const uuid = entry.first('entryUUID');
    if (uuid) return uuid.toLowerCase();
  }
  throw new Error(`the entry ${entry.dn} has no readable ${settings.idAttribute}: check directory.idAttribute and the service account's rights`);
}

export function toIdentity(entry: DirectoryEntry, settings: LdapSettings, input: { username: string; groups: string[] }): DirectoryIdentity {
  const { attributes } = settings;
  return {
    externalId: externalIdOf(entry, settings),
    username: entry.first(attributes.username) ?? input.username,
    name: entry.first(attributes.name),
    email: entry.first(attributes.email),
    // A directory's mail attribute is typed in by an administrator, not proven by the user.
    emailVerified: false,
    phoneNumber: entry.first(attributes.phone),
    groups: input.groups,
  };
}

/** True when the entry carries ppolicy's lock, used only when the server sent no ppolicy control. */
export function hasPpolicyLock(entry: DirectoryEntry): boolean {
  return entry.first('pwdAccountLockedTime') !== undefined;
}

export function hasPpolicyReset(entry: DirectoryEntry): boolean {
  return entry.first('pwdReset')?.toUpperCase() === 'TRUE';
}
