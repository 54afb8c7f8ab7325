import type { StoredAuditEvent } from '../audit/audit-event.ts';

/** The events a subscription can ask for, in the order the console lists them. */
export const WEBHOOK_EVENT_TYPES = [
  'user.created',
  'user.disabled',
  'access_request.submitted',
  'access_request.approved',
  'access_request.denied',
  'invitation.redeemed',
  'sign_in.locked',
  'mfa.device_added',
  'mfa.device_removed',
  'password.changed',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** What a receiver is told, beside the type and time (Standard Webhooks: `{type, timestamp, data}`). */
export interface WebhookEventData {
  /** The audit entry this event was derived from (the console's Audit log shows it). */
  auditEventId: string;
  site: string;
  user: { id?: string; username?: string };
  /** Who acted, for an admin's action: "username@SITE", "api:<client>" or "cli". */
  actor?: string;
  [field: string]: unknown;
}

type Detail = NonNullable<StoredAuditEvent['detail']>;

/** Only the named detail fields go out (an audit detail may grow fields a receiver must not see). */
const pick =
  (...fields: string[]) =>
  (detail: Detail): Record<string, unknown> =>
    Object.fromEntries(fields.flatMap((field) => (detail[field] === undefined ? [] : [[field, detail[field]]])));

interface Rule {
  type: WebhookEventType;
  data: (detail: Detail) => Record<string, unknown>;
}

/**
 * The one mapping from the audit log to webhook events: "action:outcome" of
 * an audit entry → the event it is. Every path that does one of these things
 * (console, CLI, management API, SCIM, the sign-in, the portal) already
 * records the audit entry at the action's one owner, so deriving the events
 * here means none of them has to remember to emit one.
 */
const RULES: Record<string, Rule> = {
  // accounts.linkOrCreate, the one place an admit account is made (registration, invitation, open sign-up, SCIM, API).
  'account.create:ok': { type: 'user.created', data: pick('status', 'directory') },
  // admin/actions/user-actions.ts: the console's Disable and the management API's.
  'admin.user.disable:ok': { type: 'user.disabled', data: (detail) => ({ ...pick('sessionsEnded')(detail), reason: 'admin' }) },
  // SCIM provisioning (scim/users.ts): "active": false, and a DELETE (which disables an account still active).
  'scim.user.disable:ok': { type: 'user.disabled', data: (detail) => ({ ...pick('sessionsEnded')(detail), reason: 'scim_deactivated' }) },
  'scim.user.delete:ok': { type: 'user.disabled', data: (detail) => ({ ...pick('sessionsEnded')(detail), reason: 'scim_deleted' }) },
  // registration/register-details.ts: a sign-up request waits for an admin.
  'registration.submit:pending': { type: 'access_request.submitted', data: pick('request', 'email') },
  // The approval queue, one by one and in bulk; a decision someone else made first is "already_decided", no event.
  'admin.request.approve:ok': { type: 'access_request.approved', data: pick('request', 'email') },
  'admin.request.deny:ok': { type: 'access_request.denied', data: pick('request', 'email', 'reason') },
  // Redeemed by a new local user (registration/invitation-pages.ts) or at a directory sign-in (approvals/admission.ts).
  'invitation.redeem:ok': { type: 'invitation.redeemed', data: pick('invitation', 'email') },
  // The wrong password that reached the site's limit (flows/login/submit-login.ts, from the lockout service's count).
  'sign_in.lock:locked': { type: 'sign_in.locked', data: pick('maxFailedAttempts', 'windowSeconds') },
  'mfa_device_added:ok': { type: 'mfa.device_added', data: pick('type', 'methods') },
  'mfa_device_removed:ok': { type: 'mfa.device_removed', data: (detail) => ({ ...pick('type')(detail), reason: 'removed' }) },
  // A device the sign-in saved (device_added went out) whose setup was then cancelled.
  'mfa_device_abandoned:ok': { type: 'mfa.device_removed', data: (detail) => ({ ...pick('type')(detail), reason: 'setup_abandoned' }) },
  // An admin's Reset MFA removes every device at once.
  'mfa_reset:ok': { type: 'mfa.device_removed', data: () => ({ all: true, reason: 'admin_reset' }) },
  // passwords.ts records this once after every password write to an admit account, whichever page made it
  // (portal change, reset after recovery, the sign-in's required change), always naming the account.
  'password_write_sign_out:ok': { type: 'password.changed', data: pick('otherSessionsEnded') },
};

/** The webhook event an audit entry is, if any (only events of a site: subscriptions are per site). */
export function webhookEventOf(event: StoredAuditEvent): { type: WebhookEventType; data: WebhookEventData } | undefined {
  const rule = RULES[`${event.action}:${event.outcome}`];
  if (!rule || !event.site) return undefined;
  const user = { ...(event.accountId ? { id: event.accountId } : {}), ...(event.username ? { username: event.username } : {}) };
  return {
    type: rule.type,
    data: { auditEventId: event.id, site: event.site, user, ...(event.actor ? { actor: event.actor } : {}), ...rule.data(event.detail ?? {}) },
  };
}

/** The audit "action:outcome" pairs that become events (the tests check each against a real action). */
export const MAPPED_AUDIT_ENTRIES = Object.keys(RULES);
