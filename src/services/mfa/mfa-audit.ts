import type { Context } from 'koa';

/** The part of the audit log the MFA service writes to. */
export interface AuditSink {
  record(
    ctx: Context | undefined,
    event: { action: string; outcome: string; site?: string; username?: string; accountId?: string; detail?: Record<string, string | number | boolean> },
  ): void;
}

/**
 * Who an MFA event is about: the account and its site, and the account
 * itself when the caller has it (an MFA subject always does), so the event
 * names the user as every other sign-in event does.
 */
export interface MfaAuditSubject {
  accountId: string;
  siteId: string;
  account?: { username?: string };
}

export type MfaAudit = (
  ctx: Context | undefined,
  who: MfaAuditSubject,
  action: string,
  outcome: string,
  detail?: Record<string, string | number | boolean>,
) => void;

/** Every MFA event names the account, its user name and its site. */
export const mfaAudit =
  (sink: AuditSink): MfaAudit =>
  (ctx, who, action, outcome, detail) =>
    sink.record(ctx, { action, outcome, site: who.siteId, username: who.account?.username, accountId: who.accountId, detail });
