import { type Store, storeKey } from '../store/port.ts';

/** Names whose sign-in lockout started, per site, scored by when the lock ends at the latest (ms). */
const lockedKey = (siteId: string) => storeKey('dashboard-locks', siteId, 'index');

/**
 * Where the lockout service notes a lock as it starts, so the dashboard can
 * name locked accounts without reading every counter. An entry is a
 * candidate: the lockout's own counter says whether it still holds (a right
 * password, an Unlock, the window passing all end a lock without touching
 * this index). Entries past their end are trimmed by the next lock.
 */
export function createLockIndex({ store }: { store: Store }) {
  return {
    /** The canonical name `nameKey` of the site is locked until `untilMs` at the latest. */
    async started(siteId: string, nameKey: string, untilMs: number, now = Date.now()): Promise<void> {
      await store.writeAll([
        { op: 'indexAdd', key: lockedKey(siteId), member: nameKey, score: untilMs },
        { op: 'indexTrim', key: lockedKey(siteId), maxScore: now },
      ]);
    },
    /** Up to `limit` names whose lock may still hold, latest end first. */
    async candidates(siteId: string, limit: number, now = Date.now()): Promise<string[]> {
      return (await store.indexRange(lockedKey(siteId), { min: now, limit, reverse: true })).map((entry) => entry.member);
    },
  };
}

export type LockIndex = ReturnType<typeof createLockIndex>;
