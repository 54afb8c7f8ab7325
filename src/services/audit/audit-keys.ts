import { storeKey, type WriteOp } from '../../store/port.ts';
import type { StoredAuditEvent } from './audit-event.ts';

/**
 * The audit log's keys. Every key of one scope and UTC day shares one hash
 * tag (`{scope:day}`), so an event's index entries in that scope are one
 * writeAll (one Redis Cluster slot), and each day's keys end together.
 * Scope `*` holds every event (and the events themselves); a site's scope
 * holds that site's events, so a site admin reads only their sites.
 */
export const ALL_SCOPE = '*';
const tag = (scope: string, day: string) => `${scope}:${day}`;

/** Every event of the scope and day, scored by time (µs, unique). */
export const dayIndexKey = (scope: string, day: string) => storeKey('audit-ix', tag(scope, day), 'all');
/** The events whose action is this or starts with it and a dot ("admin" holds "admin.request.approve"). */
export const actionIndexKey = (scope: string, day: string, action: string) => storeKey('audit-ix', tag(scope, day), `action:${action}`);
export const outcomeIndexKey = (scope: string, day: string, outcome: string) => storeKey('audit-ix', tag(scope, day), `outcome:${outcome}`);
/** The events naming this user (user name, acting admin or account id), lower-cased. */
export const userIndexKey = (scope: string, day: string, user: string) => storeKey('audit-ix', tag(scope, day), `user:${user}`);
/** The stored event (JSON); in the `*` scope's slot of its day. */
export const eventKey = (day: string, id: string) => storeKey('audit-ix', tag(ALL_SCOPE, day), `event:${id}`);

/** The action and every dotted prefix of it: admin, admin.request, admin.request.approve. */
export function actionPrefixes(action: string): string[] {
  const parts = action.split('.');
  return parts.map((_, index) => parts.slice(0, index + 1).join('.'));
}

/** How a user value is indexed and looked up. */
export const userTerm = (value: string) => value.trim().toLowerCase().slice(0, 200);

/**
 * An event's entries in one scope's indexes of its day (every event; its
 * action and each dotted prefix; its outcome; each user it names), each
 * index ending at `end` with the day's other keys. One hash tag: one writeAll.
 */
export function eventIndexOps(scope: string, day: string, stored: StoredAuditEvent, score: number, end: number): WriteOp[] {
  const users = [...new Set([stored.username, stored.actor, stored.accountId].flatMap((value) => (value ? [userTerm(value)] : [])))];
  const keys = [
    dayIndexKey(scope, day),
    ...actionPrefixes(stored.action).map((action) => actionIndexKey(scope, day, action)),
    outcomeIndexKey(scope, day, stored.outcome),
    ...users.map((user) => userIndexKey(scope, day, user)),
  ];
  return keys.flatMap((key) => [
    { op: 'indexAdd' as const, key, member: stored.id, score },
    { op: 'indexExpireAt' as const, key, at: end },
  ]);
}

/** When a day's keys end: the end of the day plus the retention. */
export const dayEnd = (day: string, retentionDays: number) => Date.parse(`${day}T00:00:00Z`) + (retentionDays + 1) * 86_400_000;
