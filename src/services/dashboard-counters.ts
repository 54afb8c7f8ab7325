import { type Store, storeKey } from '../store/port.ts';
import type { StoredAuditEvent } from './audit/audit-event.ts';
import { createAuditTimeline } from './dashboard-timeline.ts';

const DAY_MS = 86_400_000;
/** A count that must not expire (the store's counters all have one): ten years, renewed by nothing. */
const LONG_LIVED_SECONDS = 10 * 365 * 86_400;

/** Sign-in outcomes of one site and UTC day (YYYY-MM-DD). The keys of a site share its hash tag. */
const dayKey = (siteId: string, day: string, kind: 'ok' | 'failed') => storeKey('dashboard-day', siteId, `${day}:${kind}`);
/** Set once an account of the site has a second factor; its presence is what the count counts. */
const enrolledKey = (siteId: string, accountId: string) => storeKey('dashboard-mfa', siteId, `account:${accountId}`);
const enrolledCountKey = (siteId: string) => storeKey('dashboard-mfa', siteId, 'count');

export interface DayFigures {
  /** YYYY-MM-DD, UTC. */
  day: string;
  signIns: number;
  failures: number;
}

/** The last `days` UTC days, oldest first, ending today. */
export function lastDays(days: number, now = Date.now()): string[] {
  const today = Math.floor(now / DAY_MS);
  return Array.from({ length: days }, (_, index) => new Date((today - days + 1 + index) * DAY_MS).toISOString().slice(0, 10));
}

/**
 * The console dashboard's figures, kept as the audit log records events so
 * that no dashboard view reads the log or lists accounts (issue 16):
 *
 * - sign-ins and failures per site and UTC day: one counter each, bumped on
 *   every `sign_in` event (outcome `ok`, or anything else: a failure), which
 *   expires with the audit log's retention;
 * - accounts with a second factor, per site: a marker per account written
 *   once (setIfAbsent) when it adds a device or proves one at sign-in (which
 *   also counts accounts enrolled before the dashboard existed), taken when an
 *   admin resets its MFA or the sign-in takes back a device it never finished
 *   (an account with another device is counted again at its next MFA
 *   sign-in). Only the winner of the marker moves the count, so two events at
 *   once count once;
 * - each person's audit timeline (dashboard-timeline.ts).
 *
 * `observe` never rejects: a lost increment costs a figure, not a request.
 */
export function createDashboardCounters({ store, retentionDays = 400 }: { store: Store; retentionDays?: number }) {
  const ttlSeconds = (retentionDays + 1) * 86_400;
  const timeline = createAuditTimeline({ store, retentionDays });

  async function enrolled(siteId: string, accountId: string): Promise<void> {
    if (await store.setIfAbsent(enrolledKey(siteId, accountId), '1')) await store.increment(enrolledCountKey(siteId), LONG_LIVED_SECONDS, 1);
  }

  async function unenrolled(siteId: string, accountId: string): Promise<void> {
    if ((await store.take(enrolledKey(siteId, accountId))) !== undefined) await store.increment(enrolledCountKey(siteId), LONG_LIVED_SECONDS, -1);
  }

  async function count(event: StoredAuditEvent): Promise<void> {
    const { site, accountId } = event;
    if (!site) return;
    if (event.action === 'sign_in') {
      await store.increment(dayKey(site, event.at.slice(0, 10), event.outcome === 'ok' ? 'ok' : 'failed'), ttlSeconds);
      return;
    }
    if (!accountId) return;
    if ((event.action === 'mfa_device_added' || event.action === 'mfa_verify') && event.outcome === 'ok') await enrolled(site, accountId);
    else if ((event.action === 'mfa_reset' && event.outcome === 'ok') || event.action === 'mfa_device_abandoned') await unenrolled(site, accountId);
  }

  return {
    /** Called by the audit log for every event it records. */
    async observe(event: StoredAuditEvent): Promise<void> {
      await Promise.allSettled([count(event), timeline.add(event)]);
    },

    /** Sign-ins and failures per day over the sites, summed, oldest first: one read of 2 × days × sites counters. */
    async perDay(siteIds: readonly string[], days: number, now = Date.now()): Promise<DayFigures[]> {
      const dates = lastDays(days, now);
      const keys = siteIds.flatMap((siteId) => dates.flatMap((day) => [dayKey(siteId, day, 'ok'), dayKey(siteId, day, 'failed')]));
      const values = await store.getMany(keys);
      return dates.map((day, index) => {
        let signIns = 0;
        let failures = 0;
        siteIds.forEach((_, site) => {
          const at = (site * dates.length + index) * 2;
          signIns += Number(values[at] ?? 0);
          failures += Number(values[at + 1] ?? 0);
        });
        return { day, signIns, failures };
      });
    },

    /** Accounts of each site with a second factor: one counter read per site. */
    async mfaEnrolled(siteIds: readonly string[]): Promise<Map<string, number>> {
      const values = await store.getMany(siteIds.map(enrolledCountKey));
      return new Map(siteIds.map((siteId, index) => [siteId, Math.max(0, Number(values[index] ?? 0))]));
    },

    timeline,
  };
}

export type DashboardCounters = ReturnType<typeof createDashboardCounters>;
