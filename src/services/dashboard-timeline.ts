import { checkUsername, legacyUsernameKey } from '../kit/username.ts';
import { type Store, storeKey, type WriteOp } from '../store/port.ts';
import type { StoredAuditEvent } from './audit/audit-event.ts';
import { decodeCursor, encodeCursor, mergedPage, type Page } from './paging.ts';

const DAY_MS = 86_400_000;

/** The canonical user-name key, as the lockout and the account index use it. */
const nameOf = (username: string) => {
  const checked = checkUsername(username);
  return checked.ok ? checked.key : `legacy:${legacyUsernameKey(username)}`;
};

// One slot per person: the index and its events are one writeAll.
/** Events naming the account id (MFA, admin actions on the account, a finished sign-in). */
const byAccount = (accountId: string) => `account:${accountId}`;
/** Events naming only a user name in a site (a refused password: no account is known then). */
const byName = (siteId: string, username: string) => `name:${siteId}:${nameOf(username)}`;
const indexKey = (who: string) => storeKey('audit-timeline', who, 'index');
const eventKey = (who: string, id: string) => storeKey('audit-timeline', who, `event:${id}`);

/**
 * Each person's audit timeline for the console's user page, kept beside the
 * audit log's per-day lists (which are not indexed by person): a scored
 * index per account, and one per site and user name for events that name no
 * account, each scored by the event's time, with a copy of the event. Entries
 * past the retention are trimmed by the next write and their copies expire,
 * so a timeline holds at most the retention period. A page is one bounded
 * range read of each of the two indexes, merged by time, newest first.
 */
export function createAuditTimeline({ store, retentionDays }: { store: Store; retentionDays: number }) {
  const retentionMs = retentionDays * DAY_MS;
  // Scores are µs, unique in this process, so events of one millisecond keep their order and a cursor names one.
  let lastScore = 0;
  const scoreOf = (ms: number) => (lastScore = Math.max(ms * 1000, lastScore + 1));

  async function add(event: StoredAuditEvent): Promise<void> {
    const who = event.accountId ? byAccount(event.accountId) : event.site && event.username ? byName(event.site, event.username) : undefined;
    if (!who) return;
    const at = Date.parse(event.at);
    const ops: WriteOp[] = [
      { op: 'set', key: eventKey(who, event.id), value: JSON.stringify(event), ttlSeconds: retentionMs / 1000 },
      { op: 'indexAdd', key: indexKey(who), member: event.id, score: scoreOf(at) },
      { op: 'indexTrim', key: indexKey(who), maxScore: (at - retentionMs) * 1000 },
    ];
    await store.writeAll(ops);
  }

  /**
   * One page of an account's events, newest first: those naming it, and those
   * naming its user name in its site. `cursor` is the previous page's `next`
   * (a malformed one is a CursorError).
   */
  async function page(account: { id: string; siteId: string; username: string }, options: { cursor?: string; limit: number }): Promise<Page<StoredAuditEvent>> {
    const after = decodeCursor(options.cursor);
    const sources = [byAccount(account.id), byName(account.siteId, account.username)];
    const { entries, next } = await mergedPage(store, sources.map(indexKey), {
      after,
      limit: options.limit,
      reverse: true,
      min: (Date.now() - retentionMs) * 1000,
    });
    // Which index an entry came from is not kept by the merge: both copies are asked for.
    const raws = await store.getMany(entries.flatMap((entry) => sources.map((who) => eventKey(who, entry.member))));
    const items = entries.flatMap((_, index) => {
      const raw = raws[index * 2] ?? raws[index * 2 + 1];
      return raw === undefined ? [] : [JSON.parse(raw) as StoredAuditEvent];
    });
    return { items, next: next && encodeCursor(next) };
  }

  return { add, page };
}

export type AuditTimeline = ReturnType<typeof createAuditTimeline>;
