import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import type { Logger } from 'pino';
import type { Store, WriteOp } from '../../store/port.ts';
import { createDashboardCounters } from '../dashboard-counters.ts';
import type { AuditEvent, StoredAuditEvent } from './audit-event.ts';
import { ALL_SCOPE, dayEnd, eventIndexOps, eventKey } from './audit-keys.ts';
import { migrateLegacyAudit } from './audit-legacy.ts';
import { createAuditQuery } from './audit-query.ts';

/** Ops per writeAll when many entries are recorded at once: one transaction (or MULTI) stays a bounded size. */
const WRITE_CHUNK = 2000;
const chunks = <T>(items: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size));

export const DEFAULT_RETENTION_DAYS = 400;

/**
 * The audit trail of sign-in outcomes and admin actions. Every event is a
 * structured `audit` log line and, in the store, a record plus entries in
 * per-day scored indexes (every event; by action, outcome and user; and the
 * same again per site, so a site admin reads only their sites). A day's keys
 * end `retentionDays` full days after it (a TTL on the record, an end on
 * each index: both backends expire them, nothing sweeps). The application
 * appends and reads; nothing updates or deletes.
 *
 * `record` never rejects and callers need not await it: a store outage loses
 * the stored copy (the log line still carries it), not the user's request.
 *
 * It is also where event webhooks come from (services/webhooks): every
 * recorded entry is handed to `webhooks.emit`, which turns the ones that are
 * events (a user disabled, a request approved, …) into outbox messages. So
 * every path that audits an action, whoever wrote it, emits its event.
 */
export function createAuditLog({
  logger,
  store,
  retentionDays = DEFAULT_RETENTION_DAYS,
  clock = Date.now,
  webhooks,
}: {
  logger: Logger;
  store: Store;
  retentionDays?: number;
  clock?: () => number;
  /** Turns entries that are events into webhook messages (webhooks/emitter.ts); absent in the CLI and unit tests. */
  webhooks?: { emit(event: StoredAuditEvent): Promise<void> };
}) {
  const log = logger.child({ channel: 'audit' });
  // The console dashboard's per-day counters and per-person timelines, kept as events are recorded.
  const dashboard = createDashboardCounters({ store, retentionDays });
  // Scores are µs since the epoch, made unique within this process's millisecond so a cursor names one
  // entry (a clock set back keeps its own time; equal scores are still told apart by member).
  let lastScore = 0;
  const scoreOf = (ms: number) => {
    const base = ms * 1000;
    lastScore = base > lastScore || lastScore - base >= 999 ? base : lastScore + 1;
    return lastScore;
  };

  /** The moment a day's keys end: the end of the day plus the retention. */
  const endOf = (day: string) => dayEnd(day, retentionDays);
  const indexOps = eventIndexOps;

  /** The stored entry and its writes, grouped by hash tag (the all-sites scope's day, the site's day); undefined past retention. */
  function prepare(ctx: Context | undefined, event: AuditEvent): { stored: StoredAuditEvent; groups: [string, WriteOp[]][] } | undefined {
    const now = clock();
    const score = scoreOf(now);
    const stored: StoredAuditEvent = {
      id: randomUUID(),
      at: new Date(Math.floor(score / 1000)).toISOString(),
      ...event,
      requestId: ctx?.state.requestId === undefined ? undefined : String(ctx.state.requestId),
      ip: ctx?.ip,
      userAgent: ctx?.get('user-agent')?.slice(0, 200) || undefined,
    };
    log.info(stored, `${event.action}:${event.outcome}`);
    const day = stored.at.slice(0, 10);
    const end = endOf(day);
    const ttlSeconds = Math.floor((end - Date.now()) / 1000);
    if (ttlSeconds <= 0) return undefined; // already past the retention (a clock set back)
    const groups: [string, WriteOp[]][] = [
      [
        `${ALL_SCOPE}\u0000${day}`,
        [{ op: 'set', key: eventKey(day, stored.id), value: JSON.stringify(stored), ttlSeconds }, ...indexOps(ALL_SCOPE, day, stored, score, end)],
      ],
    ];
    if (event.site) groups.push([`${event.site}\u0000${day}`, indexOps(event.site, day, stored, score, end)]);
    return { stored, groups };
  }

  /** What follows a stored entry: the dashboard's counters and timelines, and its webhook event. */
  async function after(stored: StoredAuditEvent): Promise<void> {
    await dashboard.observe(stored);
    try {
      await webhooks?.emit(stored);
    } catch (error) {
      log.error({ err: error, event: stored.id }, 'webhook event not queued');
    }
  }

  async function record(ctx: Context | undefined, event: AuditEvent): Promise<void> {
    await recordMany(ctx, [event]);
  }

  /**
   * Several entries of one action (a CSV import's invitations): their writes
   * go out in one writeAll per hash tag instead of two per entry, so 500
   * entries are a few transactions, not 1,000.
   */
  async function recordMany(ctx: Context | undefined, events: readonly AuditEvent[]): Promise<void> {
    const prepared = events.flatMap((event) => prepare(ctx, event) ?? []);
    const byTag = new Map<string, WriteOp[]>();
    for (const { groups } of prepared) for (const [tag, ops] of groups) byTag.set(tag, [...(byTag.get(tag) ?? []), ...ops]);
    try {
      await Promise.all([...byTag.values()].flatMap((ops) => chunks(ops, WRITE_CHUNK).map((chunk) => store.writeAll(chunk))));
    } catch (error) {
      log.error({ err: error, events: prepared.map(({ stored }) => stored.id) }, 'audit events not stored');
    }
    for (const { stored } of prepared) await after(stored);
  }

  return {
    record,
    recordMany,
    retentionDays,
    /** Start-up: events stored before the indexes (per-day lists) are copied into them, once (audit-legacy.ts). */
    migrateLegacy: () => migrateLegacyAudit({ store, retentionDays, log, clock }),
    ...createAuditQuery({ store, retentionDays }),
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
export type { AuditEvent, StoredAuditEvent } from './audit-event.ts';
