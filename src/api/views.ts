import { z } from 'zod';
import type { ClientConfig } from '../config/clients.ts';
import type { Account } from '../services/accounts.ts';
import type { AccessRequestView } from '../services/approvals/access-requests.ts';
import type { StoredAuditEvent } from '../services/audit/audit-log.ts';
import type { InvitationView } from '../services/invitations/invitation-model.ts';
import type { OutboxMessage } from '../services/outbox/outbox-model.ts';

/**
 * What the API answers, as schemas (they document the answers in the
 * OpenAPI document) and the functions that make them from admit's records:
 * each names the fields it shows, so nothing secret (password history, a
 * sealed message, a token hash, a client secret) leaves by accident.
 */

const when = z.iso.datetime({ offset: true });

export const userView = z.object({
  id: z.string(),
  site: z.string(),
  username: z.string(),
  name: z.string().optional(),
  email: z.string().optional(),
  emailVerified: z.boolean(),
  status: z.enum(['active', 'disabled', 'pending_approval', 'denied']),
  groups: z.array(z.string()),
  directory: z.string(),
  adminSites: z.array(z.string()),
  createdAt: when,
  lastSignInAt: when.optional(),
});

export const toUser = (account: Account): z.infer<typeof userView> => ({
  id: account.id,
  site: account.siteId,
  username: account.username,
  name: account.name,
  email: account.email,
  emailVerified: account.emailVerified,
  status: account.status,
  groups: account.groups,
  directory: account.directoryKind,
  adminSites: account.adminSites ?? [],
  createdAt: account.createdAt,
  lastSignInAt: account.lastSignInAt,
});

export const accessRequestView = z.object({
  id: z.string(),
  site: z.string(),
  accountId: z.string(),
  username: z.string(),
  name: z.string(),
  email: z.string(),
  organisation: z.string(),
  reason: z.string(),
  submittedAt: when,
  status: z.enum(['pending', 'approved', 'denied']),
  ageBusinessDays: z.number(),
  overdue: z.boolean(),
  decision: z.object({ outcome: z.enum(['approved', 'denied']), at: when, by: z.string(), reason: z.string().optional() }).optional(),
});

export const toAccessRequest = (request: AccessRequestView): z.infer<typeof accessRequestView> => ({
  id: request.id,
  site: request.siteId,
  accountId: request.accountId,
  username: request.username,
  name: request.name,
  email: request.email,
  organisation: request.organisation,
  reason: request.reason,
  submittedAt: request.submittedAt,
  status: request.status,
  ageBusinessDays: request.ageBusinessDays,
  overdue: request.overdue,
  decision: request.decision && { outcome: request.decision.outcome, at: request.decision.at, by: request.decision.by, reason: request.decision.reason },
});

export const invitationView = z.object({
  id: z.string(),
  site: z.string(),
  email: z.string(),
  name: z.string().optional(),
  role: z.enum(['user', 'site-admin']),
  groups: z.array(z.string()),
  status: z.enum(['queued', 'sent', 'not_sent', 'opened', 'redeemed', 'revoked', 'expired']),
  createdAt: when,
  expiresAt: when,
  sends: z.number().int(),
  delivery: z.object({ state: z.enum(['pending', 'sent', 'failed', 'cancelled']), attempts: z.number().int(), lastError: z.string().optional() }).optional(),
});

export const toInvitation = (invitation: InvitationView): z.infer<typeof invitationView> => ({
  id: invitation.id,
  site: invitation.siteId,
  email: invitation.email,
  name: invitation.name,
  role: invitation.role,
  groups: invitation.groups,
  status: invitation.status,
  createdAt: invitation.createdAt,
  expiresAt: invitation.expiresAt,
  sends: invitation.sends,
  delivery: invitation.delivery && { state: invitation.delivery.state, attempts: invitation.delivery.attempts, lastError: invitation.delivery.lastError },
});

export const outboxMessageView = z.object({
  id: z.string(),
  channel: z.enum(['email', 'sms', 'voice', 'backchannel', 'webhook']),
  to: z.string(),
  kind: z.string(),
  site: z.string().optional(),
  state: z.enum(['pending', 'sent', 'failed', 'cancelled']),
  attempts: z.number().int(),
  createdAt: when,
  nextAttemptAt: when.optional(),
  lastAttemptAt: when.optional(),
  lastError: z.string().optional(),
  sentAt: when.optional(),
});

export const toOutboxMessage = (message: OutboxMessage): z.infer<typeof outboxMessageView> => ({
  id: message.id,
  channel: message.channel,
  to: message.to,
  kind: message.kind,
  site: message.siteId,
  state: message.state,
  attempts: message.attempts,
  createdAt: message.createdAt,
  nextAttemptAt: message.nextAttemptAt,
  lastAttemptAt: message.lastAttemptAt,
  lastError: message.lastError,
  sentAt: message.sentAt,
});

export const clientView = z.object({
  client_id: z.string(),
  client_name: z.string().optional(),
  type: z.enum(['confidential', 'public']),
  redirect_uris: z.array(z.string()),
  grant_types: z.array(z.string()),
  first_party: z.boolean(),
  source: z.enum(['config', 'registered']),
});

export const toClient = (client: ClientConfig, source: 'config' | 'registered'): z.infer<typeof clientView> => ({
  client_id: client.client_id,
  client_name: client.client_name,
  type: client.token_endpoint_auth_method === 'none' ? 'public' : 'confidential',
  redirect_uris: client.redirect_uris,
  grant_types: client.grant_types ?? ['authorization_code'],
  first_party: client.first_party,
  source,
});

export const auditEventView = z.object({
  id: z.string(),
  at: when,
  action: z.string(),
  outcome: z.string(),
  site: z.string().optional(),
  username: z.string().optional(),
  accountId: z.string().optional(),
  actor: z.string().optional(),
  ip: z.string().optional(),
  requestId: z.string().optional(),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

export const toAuditEvent = (event: StoredAuditEvent): z.infer<typeof auditEventView> => ({
  id: event.id,
  at: event.at,
  action: event.action,
  outcome: event.outcome,
  site: event.site,
  username: event.username,
  accountId: event.accountId,
  actor: event.actor,
  ip: event.ip,
  requestId: event.requestId,
  detail: event.detail,
});

/** A page of a list: its items and, when there is more, the cursor of the next page (pass it as `cursor`). */
export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next_cursor: z.string().optional() });
