import type { Logger } from 'pino';
import { type Store, storeKey, type WriteOp } from '../../store/port.ts';
import type { StoredAuditEvent } from './audit-event.ts';
import { ALL_SCOPE, dayEnd, eventIndexOps, eventKey } from './audit-keys.ts';

const DAY_MS = 86_400_000;
/** Events read from an old list per round trip (listRange), and written per writeAll. */
const BATCH = 200;

/** Before the indexes: every event of one UTC day, oldest first (an append-only list that never expired). */
export const legacyDayListKey = (day: string) => storeKey('audit', day);
/** Before the indexes: one site's events of one day (the same events as the day's list). */
export const legacySiteDayListKey = (siteId: string, day: string) => storeKey('audit-site', `${siteId}:${day}`);
/**
 * How far a day's old list has been copied: the next position and the sites
 * seen, then `done`. In the `*` scope's slot of the day, so it is written in
 * the same writeAll as the batch it records, and it ends with the day.
 */
const progressKey = (day: string) => storeKey('audit-ix', `${ALL_SCOPE}:${day}`, 'legacy-progress');
/** Every day within the retention has been looked at: later starts read this one key. */
const finishedKey = storeKey('audit-legacy', 'migrated');

interface Progress {
  next: number;
  sites: string[];
  done?: boolean;
}

/**
 * Copies the audit events stored before the per-day indexes into them, so
 * the console shows them again: every day still within the retention (older
 * days are skipped; their events would already have ended), each day's old
 * list read BATCH events at a time with listRange (never whole). Each batch
 * is one writeAll per site (the site's indexes) and then one in the `*`
 * scope (records, indexes and the day's progress together), so a process
 * killed at any point resumes at the batch it was writing, and writing a
 * batch twice changes nothing (same records, same scores). A day copied
 * whole has its old lists deleted: the copies end with the retention, the
 * lists never would. Safe to run on several instances at once.
 */
export async function migrateLegacyAudit({
  store,
  retentionDays,
  log,
  clock = Date.now,
}: {
  store: Store;
  retentionDays: number;
  log: Pick<Logger, 'info' | 'warn'>;
  clock?: () => number;
}): Promise<{ days: number; events: number }> {
  if ((await store.get(finishedKey)) !== undefined) return { days: 0, events: 0 };
  const now = clock();
  const today = Math.floor(now / DAY_MS);
  const days: string[] = [];
  for (let day = today; day >= today - retentionDays - 1; day -= 1) {
    const name = new Date(day * DAY_MS).toISOString().slice(0, 10);
    if (dayEnd(name, retentionDays) > now) days.push(name);
  }
  const progresses = await store.getMany(days.map(progressKey));
  let migratedDays = 0;
  let migratedEvents = 0;
  for (const [index, day] of days.entries()) {
    const raw = progresses[index];
    let progress: Progress = raw === undefined ? { next: 0, sites: [] } : (JSON.parse(raw) as Progress);
    if (!progress.done) {
      if (progress.next === 0 && (await store.listLength(legacyDayListKey(day))) === 0) continue;
      const copied = await copyDay(day, progress);
      progress = copied.progress;
      migratedEvents += copied.events;
      migratedDays += 1;
    }
    await store.delete(legacyDayListKey(day), ...progress.sites.map((site) => legacySiteDayListKey(site, day)));
  }
  await store.set(finishedKey, new Date(now).toISOString());
  if (migratedDays) log.info({ days: migratedDays, events: migratedEvents }, 'audit events stored before the per-day indexes were copied into them');
  return { days: migratedDays, events: migratedEvents };

  async function copyDay(day: string, from: Progress): Promise<{ progress: Progress; events: number }> {
    const end = dayEnd(day, retentionDays);
    const sites = new Set(from.sites);
    let next = from.next;
    let events = 0;
    for (;;) {
      const lines = await store.listRange(legacyDayListKey(day), next, BATCH);
      const all: WriteOp[] = [];
      const bySite = new Map<string, WriteOp[]>();
      lines.forEach((line, offset) => {
        let stored: StoredAuditEvent;
        try {
          stored = JSON.parse(line) as StoredAuditEvent;
        } catch {
          log.warn({ day, position: next + offset }, 'an old audit entry is not JSON; skipped');
          return;
        }
        const at = Date.parse(stored.at);
        if (!stored.id || !stored.action || !stored.outcome || !Number.isFinite(at) || stored.at.slice(0, 10) !== day) {
          log.warn({ day, position: next + offset }, 'an old audit entry is not an event of its day; skipped');
          return;
        }
        // µs like the new scores; the position keeps the list's order within one millisecond.
        const score = at * 1000 + ((next + offset) % 1000);
        const ttlSeconds = Math.floor((end - Date.now()) / 1000);
        if (ttlSeconds <= 0) return;
        all.push({ op: 'set', key: eventKey(day, stored.id), value: JSON.stringify(stored), ttlSeconds }, ...eventIndexOps(ALL_SCOPE, day, stored, score, end));
        if (stored.site) {
          sites.add(stored.site);
          bySite.set(stored.site, [...(bySite.get(stored.site) ?? []), ...eventIndexOps(stored.site, day, stored, score, end)]);
        }
      });
      next += lines.length;
      events += lines.length;
      const done = lines.length < BATCH;
      const progress: Progress = { next, sites: [...sites], ...(done ? { done: true } : {}) };
      // The sites' entries first: the progress moves only once the whole batch is written.
      for (const ops of bySite.values()) await store.writeAll(ops);
      await store.writeAll([
        ...all,
        { op: 'set', key: progressKey(day), value: JSON.stringify(progress), ttlSeconds: Math.max(1, Math.floor((end - Date.now()) / 1000)) },
      ]);
      if (done) return { progress, events };
    }
  }
}
