import pino from 'pino';
import { createAuditTrail } from '../compose/audit-trail.ts';
import type { Config } from '../config/schema.ts';
import { createOutbox } from '../services/outbox/outbox.ts';
import type { Store } from '../store/port.ts';
import type { CommandContext } from './command.ts';

/**
 * What every command runs with: the config, the store, and the audit trail
 * the server builds (compose/audit-trail.ts) — its retention and its webhook
 * events, queued in the outbox for the running servers to deliver. The CLI's
 * own log stays quiet: a command prints its result.
 */
export function createCommandContext(config: Config, store: Store, masterSecret: string): CommandContext {
  const outbox = createOutbox({ store, masterSecret, settings: config.outbox, siteIds: () => config.sites.map((site) => site.id) });
  const { audit } = createAuditTrail({ config, store, masterSecret, outbox, logger: pino({ level: 'silent' }) });
  return { config, store, masterSecret, audit };
}
