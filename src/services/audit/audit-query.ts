import type { IndexEntry, Store } from '../../store/port.ts';
import { type Cursor, decodeCursor, encodeCursor, mergedPage, type Page } from '../paging.ts';
import type { StoredAuditEvent } from './audit-event.ts';
import { ALL_SCOPE, actionIndexKey, dayIndexKey, eventKey, outcomeIndexKey, userIndexKey, userTerm } from './audit-keys.ts';

export interface AuditFilter {
  /** What the reader may see: every site (and events without one), or only these sites' events. */
  scope: { allSites: true } | { allSites: false; sites: string[] };
  site?: string;
  /** The user name, the acting admin or the account id, exactly (case-insensitive). */
  user?: string;
  /** The action, or a dotted prefix of it ("admin" or "admin." finds admin.request.approve; "sign_in" finds sign_in.admission). */
  action?: string;
  /** The outcome, exactly ("ok", "invalid", …). */
  outcome?: string;
  /** First and last UTC day, YYYY-MM-DD, both included. */
  from: string;
  to: string;
  /** Oldest first (from `from` up to `to`); by default newest first. A cursor belongs to the order it was made in. */
  oldestFirst?: boolean;
}

/** Index entries read per round: the page's records are one getMany per day. */
const BATCH = 500;
const DAY_MS = 86_400_000;
const dayOfScore = (score: number) => new Date(Math.floor(score / 1000)).toISOString().slice(0, 10);

/**
 * Reading the audit log newest first, from the index that serves the filter
 * (the user's, else the action's, else the outcome's, else every event of
 * the day), one day at a time from `to` back to `from`; a site admin's site
 * indexes are merged by time. Conditions the chosen index does not answer
 * (a second filter) are checked on the records read, a batch at a time.
 * Days past the retention have ended in the store and are skipped.
 */
export function createAuditQuery({ store, retentionDays = 400 }: { store: Store; retentionDays?: number }) {
  function scopesOf(filter: AuditFilter): string[] {
    const { scope } = filter;
    if (scope.allSites) return [filter.site ?? ALL_SCOPE];
    return filter.site ? scope.sites.filter((site) => site === filter.site) : scope.sites;
  }

  const action = (filter: AuditFilter) => filter.action?.replace(/\.+$/, '') || undefined;

  function keysOf(filter: AuditFilter, day: string): string[] {
    const wanted = action(filter);
    return scopesOf(filter).map((scope) => {
      if (filter.user) return userIndexKey(scope, day, userTerm(filter.user));
      if (wanted) return actionIndexKey(scope, day, wanted);
      if (filter.outcome) return outcomeIndexKey(scope, day, filter.outcome);
      return dayIndexKey(scope, day);
    });
  }

  function matches(filter: AuditFilter, event: StoredAuditEvent): boolean {
    const wanted = action(filter);
    if (wanted && event.action !== wanted && !event.action.startsWith(`${wanted}.`)) return false;
    if (filter.outcome && event.outcome !== filter.outcome) return false;
    if (filter.user) {
      const term = userTerm(filter.user);
      if (![event.username, event.actor, event.accountId].some((value) => value !== undefined && userTerm(value) === term)) return false;
    }
    return true;
  }

  /** The days of the filter, newest first (or oldest first), within the retention. */
  function* days(filter: AuditFilter, startDay: string): Generator<string> {
    const kept = new Date(Date.now() - (retentionDays + 1) * DAY_MS).toISOString().slice(0, 10);
    const oldest = Date.parse(`${[filter.from, kept].sort()[1]}T00:00:00Z`);
    if (filter.oldestFirst) {
      const last = Date.parse(`${filter.to}T00:00:00Z`);
      for (let time = Math.max(oldest, Date.parse(`${startDay}T00:00:00Z`)); time <= last; time += DAY_MS) yield new Date(time).toISOString().slice(0, 10);
      return;
    }
    for (let time = Date.parse(`${startDay}T00:00:00Z`); time >= oldest; time -= DAY_MS) yield new Date(time).toISOString().slice(0, 10);
  }

  async function recordsOf(entries: readonly IndexEntry[]): Promise<StoredAuditEvent[]> {
    if (!entries.length) return [];
    const raws = await store.getMany(entries.map((entry) => eventKey(dayOfScore(entry.score), entry.member)));
    return raws.flatMap((raw) => (raw === undefined ? [] : [JSON.parse(raw) as StoredAuditEvent]));
  }

  /**
   * Matching events newest first (oldest first when the filter asks), in
   * batches (each at most BATCH), each with the cursor just after it; from
   * `after` when given. Memory is one batch.
   */
  async function* batches(filter: AuditFilter, after?: Cursor): AsyncGenerator<{ event: StoredAuditEvent; cursor: Cursor }[]> {
    if (filter.scope.allSites === false && scopesOf(filter).length === 0) return;
    const up = filter.oldestFirst === true;
    const cursorDay = after && dayOfScore(after.score);
    const startDay = up ? (cursorDay ? [cursorDay, filter.from].sort()[1]! : filter.from) : cursorDay ? [cursorDay, filter.to].sort()[0]! : filter.to;
    let cursor = after && cursorDay && (up ? cursorDay >= filter.from : cursorDay <= filter.to) ? after : undefined;
    for (const day of days(filter, startDay)) {
      const keys = keysOf(filter, day);
      for (;;) {
        const page = await mergedPage(store, keys, { after: cursor, limit: BATCH, reverse: !up });
        if (!page.entries.length) break;
        const byId = new Map((await recordsOf(page.entries)).map((event) => [event.id, event]));
        const found = page.entries.flatMap((entry) => {
          const event = byId.get(entry.member);
          return event && matches(filter, event) ? [{ event, cursor: { score: entry.score, member: entry.member } }] : [];
        });
        if (found.length) yield found;
        const last = page.entries.at(-1)!;
        cursor = { score: last.score, member: last.member };
        if (!page.next) break;
      }
      cursor = undefined;
    }
  }

  /** Every matching event, newest first, until `max` (exports: no cap by default), a batch at a time. */
  async function* events(filter: AuditFilter, max = Number.POSITIVE_INFINITY): AsyncGenerator<StoredAuditEvent> {
    let count = 0;
    for await (const batch of batches(filter)) {
      for (const { event } of batch) {
        if (count >= max) return;
        count += 1;
        yield event;
      }
    }
  }

  /** One page in the filter's order (newest first by default), from the `cursor` of the page before (a malformed one is a CursorError). */
  async function page(filter: AuditFilter, options: { cursor?: string; limit: number }): Promise<Page<StoredAuditEvent>> {
    const after = decodeCursor(options.cursor);
    const items: { event: StoredAuditEvent; cursor: Cursor }[] = [];
    for await (const batch of batches(filter, after)) {
      items.push(...batch);
      if (items.length > options.limit) break;
    }
    const shown = items.slice(0, options.limit);
    return { items: shown.map((item) => item.event), next: items.length > options.limit ? encodeCursor(shown.at(-1)!.cursor) : undefined };
  }

  return {
    events,
    batches,
    page,
    /** The first page: up to `limit` events and whether more matched. */
    async query(filter: AuditFilter, limit: number): Promise<{ events: StoredAuditEvent[]; more: boolean }> {
      const first = await page(filter, { limit });
      return { events: first.items, more: first.next !== undefined };
    },
  };
}
