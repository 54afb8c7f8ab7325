import { randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import type { Logger } from 'pino';
import type { Store } from '../../store/port.ts';
import type { AuditEvent, StoredAuditEvent } from './audit-event.ts';
import { dayListKey, siteDayListKey } from './audit-keys.ts';
import { createAuditQuery } from './audit-query.ts';
import { createDashboardCounters } from '../dashboard-counters.ts';

/**
 * The audit trail of sign-in outcomes and admin actions. Every event is a
 * structured `audit` log line and an entry in the store's append-only lists
 * (one per day, and one per site and day so a site admin reads only their
 * sites). The application can append and read; nothing updates or deletes.
 *
 * `record` never rejects and callers need not await it: a store outage loses
 * the stored copy (the log line still carries it), not the user's request.
 */
export function createAuditLog({ logger, store }: { logger: Logger; store: Store }) {
  const log = logger.child({ channel: 'audit' });
  // The console dashboard's per-day counters and per-person timelines, kept as events are recorded.
  const dashboard = createDashboardCounters({ store });

  async function record(ctx: Context | undefined, event: AuditEvent): Promise<void> {
    const stored: StoredAuditEvent = {
      id: randomUUID(),
      at: new Date().toISOString(),
      ...event,
      requestId: ctx?.state.requestId === undefined ? undefined : String(ctx.state.requestId),
      ip: ctx?.ip,
      userAgent: ctx?.get('user-agent')?.slice(0, 200) || undefined,
    };
    log.info(stored, `${event.action}:${event.outcome}`);
    const line = JSON.stringify(stored);
    const day = stored.at.slice(0, 10);
    try {
      await Promise.all([store.appendToList(dayListKey(day), line), ...(event.site ? [store.appendToList(siteDayListKey(event.site, day), line)] : [])]);
    } catch (error) {
      log.error({ err: error, event: stored }, 'audit event not stored');
    }
    await dashboard.observe(stored);
  }

  return { record, ...createAuditQuery({ store }) };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
export type { AuditEvent, StoredAuditEvent } from './audit-event.ts';
