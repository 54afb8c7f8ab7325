import type { Context } from 'koa';
import { AppError } from '../../errors/app-error.ts';
import type { OutboxMessage } from '../../services/outbox/outbox-model.ts';
import { type ActionActor, type ActionDeps, auditAction } from './actor.ts';

/** The outbox lists an actor reads: a site admin their sites'; messages of no site (back-channel logout) are a global admin's. */
export const outboxScopeOf = (actor: ActionActor) => (actor.allSites ? ('all' as const) : actor.sites);

/** The message, if this actor may see it; any other id is "not found". */
export async function visibleMessage(deps: Pick<ActionDeps, 'outbox'>, actor: ActionActor, id: string): Promise<OutboxMessage> {
  const message = await deps.outbox.get(id);
  const allowed = message && (actor.allSites || (message.siteId !== undefined && actor.sites.includes(message.siteId)));
  if (!message || !allowed) throw new AppError('not_found', 404);
  return message;
}

/** Sends a delivered or failed message again as a new message; a pending or cancelled one is not resent. */
export async function resendMessage(
  deps: ActionDeps,
  ctx: Context | undefined,
  actor: ActionActor,
  message: OutboxMessage,
): Promise<OutboxMessage | 'not_found' | 'cancelled' | 'pending'> {
  const outcome = await deps.outbox.resend(message.id);
  const ok = typeof outcome === 'object';
  auditAction(deps, ctx, actor, {
    action: 'admin.outbox.resend',
    outcome: ok ? 'queued' : outcome,
    site: message.siteId,
    detail: { message: message.id, channel: message.channel, kind: message.kind, ...(ok ? { copy: outcome.id } : {}) },
  });
  return outcome;
}
