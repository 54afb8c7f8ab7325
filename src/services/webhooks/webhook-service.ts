import type { Context } from 'koa';
import { z } from 'zod';
import type { Store } from '../../store/port.ts';
import type { AuditEvent } from '../audit/audit-event.ts';
import type { Outbox } from '../outbox/outbox.ts';
import type { OutboxMessage } from '../outbox/outbox-model.ts';
import { decodeCursor, encodeCursor, mergedPage } from '../paging.ts';
import { MAX_SUBSCRIPTIONS_PER_SITE } from './emitter.ts';
import { WEBHOOK_EVENT_TYPES } from './event-types.ts';
import {
  deliveriesKey,
  newSigningSecret,
  newSubscriptionId,
  publicView,
  ROTATION_OVERLAP_MS,
  type StoredSubscription,
  type SubscriptionStore,
  siteListKey,
  type WebhookSubscription,
} from './subscription-store.ts';
import { type WebhookUrlRule, webhookUrlProblem } from './webhook-url.ts';

/** Who manages subscriptions: the sites they may (a site admin's, every site for a global admin), and how the audit names them. */
export interface WebhookActor {
  label: string;
  sites: readonly string[];
}

/** A subscription's fields as the console's form and the API's body give them. */
export const subscriptionFields = {
  url: z.string().trim().min(1, 'Enter the endpoint URL.').max(2000, 'The endpoint URL is longer than 2000 characters.'),
  events: z
    .array(z.enum(WEBHOOK_EVENT_TYPES, { error: 'Choose events from the list.' }))
    .min(1, 'Choose at least one event.')
    .max(WEBHOOK_EVENT_TYPES.length),
  enabled: z.boolean(),
  description: z.string().trim().max(200, 'The description is longer than 200 characters.'),
};
export const createSubscriptionInput = z.object({
  site: z.string().min(1).max(64),
  url: subscriptionFields.url,
  events: subscriptionFields.events,
  enabled: subscriptionFields.enabled.default(true),
  description: subscriptionFields.description.optional(),
});
export const updateSubscriptionInput = z.object({
  url: subscriptionFields.url.optional(),
  events: subscriptionFields.events.optional(),
  enabled: subscriptionFields.enabled.optional(),
  description: subscriptionFields.description.optional(),
});
export type CreateSubscription = z.input<typeof createSubscriptionInput>;
export type UpdateSubscription = z.input<typeof updateSubscriptionInput>;

const ENDPOINT_TAKEN = 'This site already has a webhook to that endpoint URL.';

export type Refused = { status: 'invalid'; field: string; message: string } | { status: 'not_found' } | { status: 'limit'; message: string };
export type WithSecret = { status: 'ok'; subscription: WebhookSubscription; secret: string };

/** A delivery as the console shows it: the outbox's state of one message. */
export type WebhookDelivery = Pick<OutboxMessage, 'id' | 'kind' | 'state' | 'attempts' | 'createdAt' | 'lastError' | 'sentAt' | 'nextAttemptAt'>;

/**
 * Event webhooks per site, the one service the console's Webhooks page and
 * the management API call: list, create, update, remove, rotateSecret, each
 * within the caller's sites (a subscription of another site is "not found",
 * never "forbidden"), each audited with who did it. A signing secret is
 * made here, returned once (create, rotateSecret) and stored sealed only.
 */
export function createWebhookService(deps: {
  store: Store;
  subscriptions: SubscriptionStore;
  outbox: Pick<Outbox, 'getMany'>;
  urlRule: WebhookUrlRule;
  audit: { record(ctx: Context | undefined, event: AuditEvent): unknown };
  /** The configured sites: a subscription names one of them. */
  siteIds: () => readonly string[];
}) {
  const { subscriptions } = deps;
  const audit = (ctx: Context | undefined, actor: WebhookActor, action: string, outcome: string, site: string | undefined, detail: AuditEvent['detail']) =>
    void deps.audit.record(ctx, { action: `admin.webhook.${action}`, outcome, site, actor: actor.label, detail });

  const invalid = (issues: z.core.$ZodIssue[]): Refused => ({
    status: 'invalid',
    field: String(issues[0]?.path[0] ?? 'form'),
    message: issues[0]?.message ?? 'Check the form.',
  });

  /** The subscription, when it is of one of the caller's sites. */
  async function visible(scope: Pick<WebhookActor, 'sites'>, id: string): Promise<StoredSubscription | undefined> {
    const found = await subscriptions.find(id);
    return found && scope.sites.includes(found.site) ? found : undefined;
  }

  /** A page of the caller's subscriptions (one site, or all theirs), newest first; `after` is the previous page's `next`. */
  async function list(
    scope: Pick<WebhookActor, 'sites'>,
    options: { site?: string; after?: string; limit?: number } = {},
  ): Promise<{ items: WebhookSubscription[]; next?: string }> {
    const sites = options.site ? scope.sites.filter((site) => site === options.site) : scope.sites;
    const limit = Math.min(Math.max(options.limit ?? 20, 1), 100);
    // A cursor this code did not make is a CursorError (the caller says "start again from the first page").
    const after = decodeCursor(options.after);
    const page = await mergedPage(deps.store, sites.map(siteListKey), { after, limit, reverse: true });
    const records = await Promise.all(page.entries.map((entry) => subscriptions.find(entry.member)));
    return {
      items: records.flatMap((record) => (record && sites.includes(record.site) ? [publicView(record)] : [])),
      next: page.next ? encodeCursor(page.next) : undefined,
    };
  }

  async function get(scope: Pick<WebhookActor, 'sites'>, id: string): Promise<WebhookSubscription | undefined> {
    const found = await visible(scope, id);
    return found ? publicView(found) : undefined;
  }

  /** The subscription's latest deliveries (newest first) with their outbox state. */
  async function deliveries(scope: Pick<WebhookActor, 'sites'>, id: string, limit = 5): Promise<WebhookDelivery[] | undefined> {
    const found = await visible(scope, id);
    if (!found) return undefined;
    const entries = await deps.store.indexRange(deliveriesKey(found.site, id), { limit: Math.min(limit, 50), reverse: true });
    const messages = await deps.outbox.getMany(entries.map((entry) => entry.member));
    return messages.flatMap((message) =>
      message
        ? [
            {
              id: message.id,
              kind: message.kind,
              state: message.state,
              attempts: message.attempts,
              createdAt: message.createdAt,
              lastError: message.lastError,
              sentAt: message.sentAt,
              nextAttemptAt: message.nextAttemptAt,
            },
          ]
        : [],
    );
  }

  async function create(ctx: Context | undefined, actor: WebhookActor, raw: CreateSubscription): Promise<WithSecret | Refused> {
    const parsed = createSubscriptionInput.safeParse(raw);
    const site = parsed.success ? parsed.data.site : typeof raw?.site === 'string' ? raw.site : undefined;
    if (!site || !deps.siteIds().includes(site) || !actor.sites.includes(site)) {
      audit(ctx, actor, 'create', 'not_found', undefined, { site: String(site ?? '').slice(0, 64) });
      return { status: 'not_found' };
    }
    if (!parsed.success) {
      audit(ctx, actor, 'create', 'invalid', site, {});
      return invalid(parsed.error.issues);
    }
    const input = parsed.data;
    const problem = webhookUrlProblem(input.url, deps.urlRule);
    if (problem) {
      audit(ctx, actor, 'create', 'invalid', site, { url: input.url.slice(0, 200) });
      return { status: 'invalid', field: 'url', message: problem };
    }
    if ((await deps.store.indexCount(siteListKey(site))) >= MAX_SUBSCRIPTIONS_PER_SITE) {
      audit(ctx, actor, 'create', 'limit', site, {});
      return { status: 'limit', message: `A site has at most ${MAX_SUBSCRIPTIONS_PER_SITE} webhooks; delete one first.` };
    }
    const secret = newSigningSecret();
    const now = new Date().toISOString();
    const stored: StoredSubscription = {
      id: newSubscriptionId(),
      site,
      url: input.url,
      events: [...new Set(input.events)],
      enabled: input.enabled,
      ...(input.description ? { description: input.description } : {}),
      createdAt: now,
      createdBy: actor.label,
      updatedAt: now,
      secretCreatedAt: now,
      order: Date.now() * 1000 + Math.floor(Math.random() * 1000),
      sealedSecret: subscriptions.seal(secret),
    };
    // One subscription per endpoint and site, claimed atomically: a form posted twice (a reload, two clicks) makes one.
    if (!(await subscriptions.save(stored))) {
      audit(ctx, actor, 'create', 'exists', site, { url: input.url.slice(0, 200) });
      return { status: 'invalid', field: 'url', message: ENDPOINT_TAKEN };
    }
    audit(ctx, actor, 'create', 'ok', site, { subscription: stored.id, url: stored.url, events: stored.events.join(' ') });
    return { status: 'ok', subscription: publicView(stored), secret };
  }

  async function update(
    ctx: Context | undefined,
    actor: WebhookActor,
    id: string,
    raw: UpdateSubscription,
  ): Promise<{ status: 'ok'; subscription: WebhookSubscription } | Refused> {
    const found = await visible(actor, id);
    if (!found) {
      audit(ctx, actor, 'update', 'not_found', undefined, { subscription: id.slice(0, 64) });
      return { status: 'not_found' };
    }
    const parsed = updateSubscriptionInput.safeParse(raw);
    if (!parsed.success) {
      audit(ctx, actor, 'update', 'invalid', found.site, { subscription: id });
      return invalid(parsed.error.issues);
    }
    const change = parsed.data;
    const problem = change.url === undefined ? undefined : webhookUrlProblem(change.url, deps.urlRule);
    if (problem) {
      audit(ctx, actor, 'update', 'invalid', found.site, { subscription: id, url: change.url!.slice(0, 200) });
      return { status: 'invalid', field: 'url', message: problem };
    }
    const updated: StoredSubscription = {
      ...found,
      ...(change.url === undefined ? {} : { url: change.url }),
      ...(change.events === undefined ? {} : { events: [...new Set(change.events)] }),
      ...(change.enabled === undefined ? {} : { enabled: change.enabled }),
      ...(change.description === undefined ? {} : { description: change.description || undefined }),
      updatedAt: new Date().toISOString(),
    };
    if (!(await subscriptions.save(updated, found))) {
      audit(ctx, actor, 'update', 'exists', found.site, { subscription: id, url: updated.url.slice(0, 200) });
      return { status: 'invalid', field: 'url', message: ENDPOINT_TAKEN };
    }
    audit(ctx, actor, 'update', 'ok', found.site, {
      subscription: id,
      ...Object.fromEntries(Object.entries(change).map(([field, value]) => [field, Array.isArray(value) ? value.join(' ') : String(value)])),
    });
    return { status: 'ok', subscription: publicView(updated) };
  }

  async function remove(ctx: Context | undefined, actor: WebhookActor, id: string): Promise<{ status: 'ok' } | { status: 'not_found' }> {
    const found = await visible(actor, id);
    if (!found) {
      audit(ctx, actor, 'delete', 'not_found', undefined, { subscription: id.slice(0, 64) });
      return { status: 'not_found' };
    }
    await subscriptions.remove(found);
    audit(ctx, actor, 'delete', 'ok', found.site, { subscription: id, url: found.url });
    return { status: 'ok' };
  }

  /** A new secret, returned once; deliveries sign with the previous one too for ROTATION_OVERLAP_MS, so receivers can switch over. */
  async function rotateSecret(ctx: Context | undefined, actor: WebhookActor, id: string): Promise<WithSecret | { status: 'not_found' }> {
    const found = await visible(actor, id);
    if (!found) {
      audit(ctx, actor, 'rotate_secret', 'not_found', undefined, { subscription: id.slice(0, 64) });
      return { status: 'not_found' };
    }
    const secret = newSigningSecret();
    const now = new Date();
    const updated: StoredSubscription = {
      ...found,
      sealedSecret: subscriptions.seal(secret),
      previous: { sealedSecret: found.sealedSecret, until: new Date(now.getTime() + ROTATION_OVERLAP_MS).toISOString() },
      secretCreatedAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    await subscriptions.save(updated, found);
    audit(ctx, actor, 'rotate_secret', 'ok', found.site, { subscription: id });
    return { status: 'ok', subscription: publicView(updated), secret };
  }

  return { list, get, deliveries, create, update, remove, rotateSecret };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
