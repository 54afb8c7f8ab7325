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
  sentAt?: string;
  /** Why the last email did not go out (resend to retry). */
  sendError?: string;
  sends: number;
}

/** How an invitation ended; written once (setIfAbsent), so redeeming and revoking cannot both happen. */
export interface InvitationEnd {
  outcome: 'redeemed' | 'revoked';
  at: string;
  accountId?: string;
  by?: string;
}

export type InvitationStatus = 'sent' | 'not_sent' | 'opened' | 'redeemed' | 'revoked' | 'expired';

export interface InvitationView extends Invitation {
  status: InvitationStatus;
  /** When the current link's landing page was first shown. */
  openedAt?: string;
  end?: InvitationEnd;
}

export const invitationKey = (id: string) => storeKey('invitation', id);
/** Same hash tag as the record: both are read in one getMany. */
export const invitationEndKey = (id: string) => storeKey('invitation', id, 'end');
/** Kept apart from the record so marking "opened" never rewrites it (and so never races a resend). */
export const invitationOpenedKey = (id: string) => storeKey('invitation', id, 'opened');
export const tokenKey = (tokenHash: string) => storeKey('invitation-token', tokenHash);
export const siteInvitationsKey = (siteId: string) => storeKey('site-invitations', siteId);
/** The open invitation of an address in a site: one at a time. */
export const emailClaimKey = (siteId: string, email: string) => storeKey('invitation-email', `${siteId}:${email}`);

export const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

export function statusOf(invitation: Invitation, end: InvitationEnd | undefined, openedAt: string | undefined, now = Date.now()): InvitationStatus {
  if (end) return end.outcome;
  if (now > Date.parse(invitation.expiresAt)) return 'expired';
  if (openedAt) return 'opened';
  return invitation.sentAt ? 'sent' : 'not_sent';
}

export function viewOf(raw: string | undefined, rawEnd: string | undefined, openedAt: string | undefined): InvitationView | undefined {
  if (raw === undefined) return undefined;
  const invitation = JSON.parse(raw) as Invitation;
  const end = rawEnd === undefined ? undefined : (JSON.parse(rawEnd) as InvitationEnd);
  return { ...invitation, status: statusOf(invitation, end, openedAt), openedAt, end };
}

/** The stored part of a view. */
export function recordOf(view: InvitationView): Invitation {
  const { status: _status, end: _end, openedAt: _opened, ...invitation } = view;
  return invitation;
}
