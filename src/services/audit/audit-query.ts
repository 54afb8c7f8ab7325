import type { Store } from '../../store/port.ts';
import type { StoredAuditEvent } from './audit-event.ts';
import { dayListKey, siteDayListKey } from './audit-keys.ts';

export interface AuditFilter {
  /** What the reader may see: every site (and events without one), or only these sites' events. */
  scope: { allSites: true } | { allSites: false; sites: string[] };
  site?: string;
  /** Matches the user name, the actor or the account id, case-insensitively, as a substring. */
  user?: string;
  /** Matches actions that start with this (e.g. "admin." or "sign_in"). */
  action?: string;
  /** First and last UTC day, YYYY-MM-DD, both included. */
  from: string;
  to: string;
}

const CHUNK = 500;
const DAY_MS = 86_400_000;

/**
 * Reading the audit log newest first. Each day's list is read backwards in
 * chunks, so the first page of a busy day costs one chunk per list; a site
 * admin's several site lists are merged by time.
 */
export function createAuditQuery({ store }: { store: Store }) {
  async function* backwards(key: string): AsyncGenerator<StoredAuditEvent> {
    let end = await store.listLength(key);
    while (end > 0) {
      const start = Math.max(0, end - CHUNK);
      const items = await store.listRange(key, start, end - start);
      for (let index = items.length - 1; index >= 0; index -= 1) yield JSON.parse(items[index]!) as StoredAuditEvent;
      end = start;
    }
  }

  /** Newest first across several lists. */
  async function* merged(keys: string[]): AsyncGenerator<StoredAuditEvent> {
    const sources = keys.map((key) => backwards(key));
    const heads = await Promise.all(sources.map((source) => source.next()));
    for (;;) {
      let best = -1;
      heads.forEach((head, index) => {
        if (!head.done && (best < 0 || head.value.at > (heads[best]!.value as StoredAuditEvent).at)) best = index;
      });
      if (best < 0) return;
      yield heads[best]!.value as StoredAuditEvent;
      heads[best] = await sources[best]!.next();
    }
  }

  function listsOf(filter: AuditFilter, day: string): string[] {
    const { scope } = filter;
    if (scope.allSites) return filter.site ? [siteDayListKey(filter.site, day)] : [dayListKey(day)];
    const sites = filter.site ? scope.sites.filter((site) => site === filter.site) : scope.sites;
    return sites.map((site) => siteDayListKey(site, day));
  }

  function matches(filter: AuditFilter, event: StoredAuditEvent): boolean {
    if (filter.action && !event.action.startsWith(filter.action)) return false;
    if (filter.user) {
      const wanted = filter.user.toLowerCase();
      if (![event.username, event.actor, event.accountId].some((value) => value?.toLowerCase().includes(wanted))) return false;
    }
    return true;
  }

  /** Every matching event, newest first, until `max`. */
  async function* events(filter: AuditFilter, max: number): AsyncGenerator<StoredAuditEvent> {
    let count = 0;
    const first = Date.parse(`${filter.from}T00:00:00Z`);
    for (let time = Date.parse(`${filter.to}T00:00:00Z`); time >= first; time -= DAY_MS) {
      const day = new Date(time).toISOString().slice(0, 10);
      for await (const event of merged(listsOf(filter, day))) {
        if (!matches(filter, event)) continue;
        if (count >= max) return;
        count += 1;
        yield event;
      }
    }
  }

  return {
    events,
    /** One page: up to `limit` events and whether more matched. */
    async query(filter: AuditFilter, limit: number): Promise<{ events: StoredAuditEvent[]; more: boolean }> {
      const found: StoredAuditEvent[] = [];
      for await (const event of events(filter, limit + 1)) found.push(event);
      return { events: found.slice(0, limit), more: found.length > limit };
    },
  };
}
