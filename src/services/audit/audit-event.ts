/** What a caller records: an outcome of a sign-in or an admin action. */
export interface AuditEvent {
  action: string;
  outcome: string;
  site?: string;
  username?: string;
  accountId?: string;
  /** Who acted, for admin actions: "username@SITE" of the admin, or "cli". */
  actor?: string;
  detail?: Record<string, string | number | boolean>;
}

/** An audit event as stored and shown: the recorded event plus when, where from, and an id. */
export interface StoredAuditEvent extends AuditEvent {
  id: string;
  /** ISO 8601, UTC. */
  at: string;
  requestId?: string;
  ip?: string;
  userAgent?: string;
}
