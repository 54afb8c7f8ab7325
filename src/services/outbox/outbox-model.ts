import { storeKey } from '../../store/port.ts';

/** How a message leaves admit. */
export type OutboxChannel = 'email' | 'sms' | 'voice' | 'backchannel' | 'webhook';

/**
 * A message's delivery state. `pending`: waiting for (or in) a delivery
 * attempt; `sent`: delivered; `failed`: every attempt failed (the console can
 * resend); `cancelled`: its cause was never written or was undone (a lost
 * race, a revoked link), so it must not go out.
 */
export type OutboxState = 'pending' | 'sent' | 'failed' | 'cancelled';

/** A message as stored. Its content (links with tokens, codes) is sealed: a copy of the store does not give it away. */
export interface OutboxMessage {
  /** Random; also the idempotency key the receiver sees (Message-ID, a header), the same on every attempt. */
  id: string;
  channel: OutboxChannel;
  /** Where it goes, as the console shows it: an address, a masked number, a client, a webhook URL. */
  to: string;
  /** What it is: the email template, "code", "logout". */
  kind: string;
  /** The site it concerns, when one does: a site admin sees their sites' messages. */
  siteId?: string;
  sealed: string;
  state: OutboxState;
  attempts: number;
  createdAt: string;
  /** Its place in the console's list (creation time in µs, unique per message). */
  order: number;
  nextAttemptAt?: string;
  lastAttemptAt?: string;
  lastError?: string;
  sentAt?: string;
  /** The change written with it, applied before it is delivered (see outbox.ts). */
  change?: string;
  /** Delivered only while this key holds this value: its cause (a decision, a live link) still stands. */
  onlyIf?: { key: string; equals: string };
  /** Not delivered after this (a code past its lifetime is useless): cancelled instead. */
  notAfter?: string;
}

/** What an enqueue names; the rest is the outbox's. */
export interface OutboxInput {
  /** Given when the cause must name its message before it is written (an invitation's messageId); random otherwise. */
  id?: string;
  channel: OutboxChannel;
  to: string;
  kind: string;
  siteId?: string;
  /** The content, any JSON the channel's deliverer reads; sealed before it is stored. */
  payload: unknown;
  onlyIf?: { key: string; equals: string };
  notAfter?: string;
}

/**
 * A write that must happen with the messages it causes but lives outside
 * the outbox's slot. Each step is create-only (setIfAbsent, addToSet, and
 * indexAdd of a member whose score nothing else ever moves), so applying it
 * twice, or after later changes to the same records, changes nothing the
 * first application did not.
 */
export type ChangeStep =
  | { op: 'setIfAbsent'; key: string; value: string; ttlSeconds?: number }
  | { op: 'addToSet'; key: string; member: string }
  | { op: 'indexAdd'; key: string; member: string; score: number };

// Every outbox key carries the hash tag {outbox}: the messages, their queue
// and a change are written in one writeAll, one Redis Cluster slot.
const TAG = 'outbox';
export const messageKey = (id: string) => storeKey('outbox', TAG, `message:${id}`);
/** Pending messages by the time of their next attempt; a claimed one by the end of its lease. */
export const dueKey = storeKey('outbox', TAG, 'due');
/** Every message, by `order`, for the console. */
export const listKey = storeKey('outbox', TAG, 'all');
export const siteListKey = (siteId: string) => storeKey('outbox', TAG, `site:${siteId}`);
export const changeKey = (id: string) => storeKey('outbox', TAG, `change:${id}`);
export const pendingChangesKey = storeKey('outbox', TAG, 'changes');

/** A number shown with its middle hidden (+4479•••1234). */
export function maskNumber(number: string): string {
  return number.length <= 7 ? number : `${number.slice(0, 5)}•••${number.slice(-4)}`;
}
