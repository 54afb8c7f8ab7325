import { createHash } from 'node:crypto';
import { storeKey } from '../../store/port.ts';

export type InvitationRole = 'user' | 'site-admin';

/** An invitation as stored. The link's token is kept only as its SHA-256 hash. */
export interface Invitation {
  id: string;
  siteId: string;
  /** The invited address, lower-cased. */
  email: string;
  name?: string;
  role: InvitationRole;
  groups: string[];
  tokenHash: string;
  days: number;
  createdAt: string;
  createdBy: string;
  expiresAt: string;
  /** The outbox message carrying the current link (its delivery state is the outbox's). */
  messageId?: string;
  /** Records written before the outbox: when the email went out, and why it did not. */
  sentAt?: string;
  sendError?: string;
  /** Links mailed so far, the first one included. */
  sends: number;
}

/** How an invitation ended; written once (setIfAbsent), so redeeming and revoking cannot both happen. */
export interface InvitationEnd {
  outcome: 'redeemed' | 'revoked';
  at: string;
  accountId?: string;
  by?: string;
}

/** `queued`: the email is in the outbox, not delivered yet; `not_sent`: its delivery failed or was cancelled (use Resend). */
export type InvitationStatus = 'queued' | 'sent' | 'not_sent' | 'opened' | 'redeemed' | 'revoked' | 'expired';

/** The statuses of an invitation that still holds its address (one open invitation per address and site). */
export const OPEN_STATUSES: readonly InvitationStatus[] = ['queued', 'sent', 'opened', 'not_sent'];

/** What the outbox says about the current link's email. */
export interface InvitationDelivery {
  state: 'pending' | 'sent' | 'failed' | 'cancelled';
  attempts: number;
  sentAt?: string;
  lastError?: string;
}

export interface InvitationView extends Invitation {
  status: InvitationStatus;
  /** When the current link's landing page was first shown. */
  openedAt?: string;
  end?: InvitationEnd;
  delivery?: InvitationDelivery;
}

/** What a link stands for, without using it up (InvitationService.check; redemption starts with it). */
export type CheckOutcome = { status: 'ok'; invitation: InvitationView } | { status: 'invalid' | 'expired' | 'used'; invitation?: InvitationView };

export const invitationKey = (id: string) => storeKey('invitation', id);
/** Same hash tag as the record: both are read in one getMany. */
export const invitationEndKey = (id: string) => storeKey('invitation', id, 'end');
/** Kept apart from the record so marking "opened" never rewrites it (and so never races a resend). */
export const invitationOpenedKey = (id: string) => storeKey('invitation', id, 'opened');
export const tokenKey = (tokenHash: string) => storeKey('invitation-token', tokenHash);
/** Before the index: every invitation id of a site in one set (read only to migrate it, a page at a time). */
export const siteInvitationsKey = (siteId: string) => storeKey('site-invitations', siteId);
/** A site's invitations scored by creation (ms x 1000 + place in its list): the console's order, newest first. */
export const siteInvitationIndexKey = (siteId: string) => storeKey('site-invitations', siteId, 'by-created');
/** Set once the site's legacy set was copied into the index. */
export const siteInvitationsMigratedKey = (siteId: string) => storeKey('site-invitations', siteId, 'migrated');
/** The open invitation of an address in a site: one at a time. */
export const emailClaimKey = (siteId: string, email: string) => storeKey('invitation-email', `${siteId}:${email}`);
/** Beside the claim (same hash tag): the claim's invitation is being written (see invitations.ts, claim). */
export const emailClaimPendingKey = (siteId: string, email: string) => storeKey('invitation-email', `${siteId}:${email}`, 'pending');

export const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

export function statusOf(
  invitation: Invitation,
  end: InvitationEnd | undefined,
  openedAt: string | undefined,
  delivery: InvitationDelivery | undefined,
  now = Date.now(),
): InvitationStatus {
  if (end) return end.outcome;
  if (now > Date.parse(invitation.expiresAt)) return 'expired';
  if (openedAt) return 'opened';
  if (delivery) return delivery.state === 'sent' ? 'sent' : delivery.state === 'pending' ? 'queued' : 'not_sent';
  return invitation.sentAt ? 'sent' : invitation.messageId ? 'queued' : 'not_sent';
}

export function viewOf(
  raw: string | undefined,
  rawEnd: string | undefined,
  openedAt: string | undefined,
  delivery?: InvitationDelivery,
): InvitationView | undefined {
  if (raw === undefined) return undefined;
  const invitation = JSON.parse(raw) as Invitation;
  const end = rawEnd === undefined ? undefined : (JSON.parse(rawEnd) as InvitationEnd);
  const sentAt = delivery ? delivery.sentAt : invitation.sentAt;
  const sendError = delivery
    ? delivery.state === 'failed' || delivery.state === 'cancelled'
      ? (delivery.lastError ?? delivery.state)
      : undefined
    : invitation.sendError;
  return { ...invitation, sentAt, sendError, status: statusOf(invitation, end, openedAt, delivery), openedAt, end, delivery };
}

/** The stored part of a view. */
export function recordOf(view: InvitationView): Invitation {
  const { status: _status, end: _end, openedAt: _opened, delivery: _delivery, ...invitation } = view;
  return invitation;
}
