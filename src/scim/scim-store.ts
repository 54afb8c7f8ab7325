import { randomBytes } from 'node:crypto';
import { type Store, storeKey } from '../store/port.ts';
import { ScimError } from './scim-error.ts';
import type { UserExtra } from './user-resource.ts';

/**
 * SCIM's own keys. Per site (hash tag: the site) where a site's look-ups
 * share a slot; per account where they go with the account.
 *
 *   scim-user:{account}                 UserExtra (what SCIM keeps beside the account)
 *   scim-name:{SITE}:<canonical name>   the account holding a user name SCIM created or renamed (uniqueness, races)
 *   scim-external:{SITE}:<externalId>   the account of a SCIM externalId
 *   scim-lock:{id}                      one SCIM write at a time per resource
 */
export const userExtraKey = (accountId: string) => storeKey('scim-user', accountId);
export const nameClaimKey = (siteId: string, canonical: string) => storeKey('scim-name', siteId, canonical);
export const externalKey = (siteId: string, externalId: string) => storeKey('scim-external', siteId, externalId);

export async function readExtra(store: Store, accountId: string): Promise<UserExtra> {
  const raw = await store.get(userExtraKey(accountId));
  return raw === undefined ? {} : (JSON.parse(raw) as UserExtra);
}

export async function readExtras(store: Store, accountIds: readonly string[]): Promise<UserExtra[]> {
  if (accountIds.length === 0) return [];
  const raws = await store.getMany(accountIds.map(userExtraKey));
  return raws.map((raw) => (raw === undefined ? {} : (JSON.parse(raw) as UserExtra)));
}

const LOCK_SECONDS = 30;
const LOCK_TRIES = 40;

/**
 * Runs `work` while holding the resource's lock: SCIM writes to one user or
 * group are one at a time (a PATCH reads, changes and writes; two at once
 * would lose one). A lock left by a killed process ends after 30 s. A
 * writer that waits 2 s is answered 503 with Retry-After, which the
 * directory retries.
 */
export async function withLock<T>(store: Store, id: string, work: () => Promise<T>): Promise<T> {
  const key = storeKey('scim-lock', id);
  const token = randomBytes(9).toString('base64url');
  for (let attempt = 0; !(await store.setIfAbsent(key, token, { ttlSeconds: LOCK_SECONDS })); attempt += 1) {
    if (attempt >= LOCK_TRIES) throw new ScimError(503, 'Another change to this resource is in progress; try again.');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  try {
    return await work();
  } finally {
    await store.compareAndDelete(key, token);
  }
}
