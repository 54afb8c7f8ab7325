import { storeKey } from '../../store/port.ts';

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
