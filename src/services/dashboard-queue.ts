import type { Store } from '../store/port.ts';
import { pendingKey } from './approvals/access-requests.ts';
import { isOverdue } from './approvals/business-days.ts';

const DAY_MS = 86_400_000;
/** Counted up to this many per site; past it the dashboard says "1000+". */
export const QUEUE_COUNT_CAP = 1000;

/**
 * The last moment (ms) a request could have been sent and be overdue now:
 * the end of the latest UTC day that is past the approval promise. Overdue
 * only grows with age, so the overdue requests are one score range of the
 * pending index.
 */
export function overdueBefore(now = new Date()): number {
  for (let day = Math.floor(now.getTime() / DAY_MS); ; day -= 1) {
    if (isOverdue(new Date(day * DAY_MS).toISOString(), now)) return (day + 1) * DAY_MS - 1;
  }
}

export interface QueueFigures {
  pending: number;
  overdue: number;
  /** True when a count reached the cap (there may be more). */
  capped: boolean;
}

/**
 * Pending and overdue requests of a site from the approval queue's pending
 * index (scored by submission time): two range reads of at most
 * QUEUE_COUNT_CAP + 1 members, never the requests themselves.
 */
export async function queueFigures(store: Store, siteId: string, now = new Date()): Promise<QueueFigures> {
  const limit = QUEUE_COUNT_CAP + 1;
  const [pending, overdue] = await Promise.all([
    store.indexRange(pendingKey(siteId), { limit }),
    store.indexRange(pendingKey(siteId), { max: overdueBefore(now), limit }),
  ]);
  return { pending: Math.min(pending.length, QUEUE_COUNT_CAP), overdue: Math.min(overdue.length, QUEUE_COUNT_CAP), capped: pending.length > QUEUE_COUNT_CAP };
}
