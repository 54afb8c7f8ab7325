import type { Logger } from 'pino';
import type { Config } from '../config/schema.ts';
import { createAuditLog } from '../services/audit/audit-log.ts';
import type { Outbox } from '../services/outbox/outbox.ts';
import { createWebhookEmitter } from '../services/webhooks/emitter.ts';
import { createSubscriptionStore } from '../services/webhooks/subscription-store.ts';
import type { Store } from '../store/port.ts';

/**
 * The audit log as the server and the CLI both build it: the configured
 * retention, and the webhook emitter that turns entries into events
 * (services/webhooks). One builder, so an admin made with `admit admin add`
 * is kept as long as one made in the console and its events go out the same
 * way (the running servers' outbox workers deliver them).
 */
export function createAuditTrail(deps: { config: Config; store: Store; masterSecret: string; outbox: Outbox; logger: Logger }) {
  const { config, store, masterSecret, outbox, logger } = deps;
  const subscriptions = createSubscriptionStore({ store, masterSecret });
  const emitter = createWebhookEmitter({ store, subscriptions, outbox, logger });
  const audit = createAuditLog({ logger, store, retentionDays: config.audit.retentionDays, webhooks: emitter });
  return { audit, subscriptions };
}
