import type { Logger } from 'pino';
import type { Store } from '../../store/port.ts';
import type { StoredAuditEvent } from '../audit/audit-event.ts';
import type { Outbox } from '../outbox/outbox.ts';
import { webhookEventOf } from './event-types.ts';
import { deliveriesKey, LIVE, liveKey, type SubscriptionStore, siteListKey } from './subscription-store.ts';

/** Subscriptions a site may have: an event reads all of them, so the read stays bounded. */
export const MAX_SUBSCRIPTIONS_PER_SITE = 20;

/** What the outbox keeps for a webhook message (sealed): which subscription, and the exact body every attempt sends. */
export interface WebhookMessagePayload {
  subscriptionId: string;
  site: string;
  body: string;
}

/**
 * Turns recorded audit entries into webhook messages: the audit log calls
 * `emit` for every entry it records (audit-log.ts), and an entry that is an
 * event (event-types.ts) becomes one outbox message per enabled
 * subscription of its site that asked for it. The message id is the
 * `webhook-id` every attempt carries; the body is fixed here, so a retry
 * sends the same bytes (re-signed with a fresh timestamp). A message is
 * delivered only while its subscription stays enabled (the outbox's onlyIf):
 * disabling or deleting it cancels what is still pending.
 */
export function createWebhookEmitter(deps: { store: Store; subscriptions: SubscriptionStore; outbox: Outbox; logger: Logger }) {
  const retentionMs = deps.outbox.retentionSeconds * 1000;

  async function emit(event: StoredAuditEvent): Promise<void> {
    const mapped = webhookEventOf(event);
    if (!mapped) return;
    const site = mapped.data.site;
    const ids = (await deps.store.indexRange(siteListKey(site), { limit: MAX_SUBSCRIPTIONS_PER_SITE })).map((entry) => entry.member);
    if (ids.length === 0) return;
    const listening = (await deps.subscriptions.getMany(site, ids)).filter(
      (subscription) => subscription?.enabled && subscription.events.includes(mapped.type),
    );
    if (listening.length === 0) return;
    const body = JSON.stringify({ type: mapped.type, timestamp: event.at, data: mapped.data });
    const messages = await deps.outbox.enqueue(
      listening.map((subscription) => ({
        channel: 'webhook' as const,
        to: subscription!.url,
        kind: mapped.type,
        siteId: site,
        payload: { subscriptionId: subscription!.id, site, body } satisfies WebhookMessagePayload,
        onlyIf: { key: liveKey(site, subscription!.id), equals: LIVE },
      })),
    );
    // Each subscription's recent deliveries, for the console (entries past the outbox's retention are dropped as new ones come).
    const oldest = (Date.now() - retentionMs) * 1000;
    await deps.store.writeAll(
      messages.flatMap((message, index) => {
        const key = deliveriesKey(site, listening[index]!.id);
        return [
          { op: 'indexAdd' as const, key, member: message.id, score: message.order },
          { op: 'indexTrim' as const, key, maxScore: oldest },
        ];
      }),
    );
    deps.logger.debug({ event: mapped.type, site, messages: messages.length }, 'webhook event queued');
  }

  return { emit };
}

export type WebhookEmitter = ReturnType<typeof createWebhookEmitter>;
