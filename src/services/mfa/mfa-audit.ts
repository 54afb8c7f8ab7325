import type { Context } from 'koa';

/** The part of the audit log the MFA service writes to. */
export interface AuditSink {
  record(ctx: Context | undefined, event: { action: string; outcome: string; site?: string; accountId?: string; detail?: Record<string, string | number | boolean> }): void;
}

export type MfaAudit = (ctx: Context | undefined, who: { accountId: string; siteId: string }, action: string, outcome: string, detail?: Record<string, string | number | boolean>) => void;

/** Every MFA event names the account and its site. */
export const mfaAudit = (sink: AuditSink): MfaAudit => (ctx, who, action, outcome, detail) =>
  sink.record(ctx, { action, outcome, site: who.siteId, accountId: who.accountId, detail });
