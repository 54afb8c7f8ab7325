import { storeKey } from '../../store/port.ts';
import type { AuditEvent } from './audit-log.ts';

/** An audit event as stored and shown: the recorded event plus when, where from, and an id. */
export interface StoredAuditEvent extends AuditEvent {
  id: string;
  /** ISO 8601, UTC. */
  at: string;
  requestId?: string;
  ip?: string;
  userAgent?: string;
}

/** Every event of one UTC day (YYYY-MM-DD), oldest first. */
export const dayListKey = (day: string) => storeKey('audit', day);
/** The events of one site and day; the same events as in the day's list. */
export const siteDayListKey = (siteId: string, day: string) => storeKey('audit-site', `${siteId}:${day}`);
