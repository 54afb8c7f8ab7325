import type { Context } from 'koa';
import type { Logger } from 'pino';

export interface AuditEvent {
  action: string;
  outcome: string;
  site?: string;
  username?: string;
  accountId?: string;
  detail?: Record<string, string | number | boolean>;
}

/**
 * The audit trail of sign-in outcomes and admin actions. For now every event
 * is a structured `audit` log line (with request id, IP and user agent);
 * the searchable, append-only audit store comes with the admin console.
 */
export function createAuditLog({ logger }: { logger: Logger }) {
  const log = logger.child({ channel: 'audit' });
  return {
    record(ctx: Context | undefined, event: AuditEvent): void {
      log.info({
        ...event,
        requestId: ctx?.state.requestId,
        ip: ctx?.ip,
        userAgent: ctx?.get('user-agent')?.slice(0, 200),
        at: new Date().toISOString(),
      }, `${event.action}:${event.outcome}`);
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
