import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from '../../services/webhooks/event-types.ts';
import { createSubscriptionInput, updateSubscriptionInput, type WebhookService } from '../../services/webhooks/webhook-service.ts';
import { route } from '../define.ts';
import { ApiProblem } from '../problem.ts';
import { pageOf } from '../views.ts';
import { cursorParam, limitParam, noContent, withCursor } from './common.ts';

const subscriptionView = z.object({
  id: z.string(),
  site: z.string(),
  url: z.string(),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
  enabled: z.boolean(),
  description: z.string().optional(),
  createdAt: z.string(),
  createdBy: z.string(),
  updatedAt: z.string(),
  secretCreatedAt: z.string(),
});
const withSecret = z.object({ subscription: subscriptionView, secret: z.string().describe('The signing secret (whsec_…), shown this once.') });
const listQuery = z.object({ site: z.string().max(64).optional(), cursor: cursorParam, limit: limitParam(100, 20) }).strict();

type Subscription = z.infer<typeof subscriptionView>;
const toSubscription = (subscription: Subscription & { order?: number }): Subscription => {
  const { order: _order, ...shown } = subscription;
  return shown;
};

/** Refusals of the webhook service as problems: another site's (or an unknown) subscription is 404, as everywhere. */
function refused(outcome: { status: 'invalid'; field: string; message: string } | { status: 'not_found' } | { status: 'limit'; message: string }): never {
  if (outcome.status === 'not_found') throw new ApiProblem(404, 'not_found', 'No such webhook subscription.');
  if (outcome.status === 'limit') throw new ApiProblem(409, 'limit', outcome.message);
  throw new ApiProblem(400, 'invalid_request', outcome.message, { errors: [{ pointer: `#/${outcome.field}`, detail: outcome.message }] });
}

/** Event webhook subscriptions per site (services/webhooks), the same service the console's Webhooks page calls. */
export function webhookRoutes(webhooks: WebhookService) {
  return [
    route({
      method: 'get',
      path: '/webhooks',
      operationId: 'listWebhooks',
      summary: "The caller's sites' webhook subscriptions, newest first",
      tag: 'Webhooks',
      scope: 'admit:webhooks:read',
      query: listQuery,
      responses: { 200: { description: 'A page of subscriptions (no secrets).', schema: pageOf(subscriptionView) } },
      async run(ctx, { query }, { actor }) {
        if (query.site && !actor.sites.includes(query.site)) throw new ApiProblem(404, 'not_found', `No site ${query.site}.`);
        const page = await withCursor(() => webhooks.list(actor, { site: query.site, after: query.cursor, limit: query.limit }));
        ctx.body = { items: page.items.map(toSubscription), next_cursor: page.next };
      },
    }),
    route({
      method: 'get',
      path: '/webhooks/:id',
      operationId: 'getWebhook',
      summary: 'One subscription',
      tag: 'Webhooks',
      scope: 'admit:webhooks:read',
      responses: { 200: { description: 'The subscription.', schema: subscriptionView } },
      async run(ctx, { id }, { actor }) {
        const found = await webhooks.get(actor, id);
        if (!found) refused({ status: 'not_found' });
        ctx.body = toSubscription(found);
      },
    }),
    route({
      method: 'post',
      path: '/webhooks',
      operationId: 'createWebhook',
      summary: "Subscribe an endpoint to events of one of the caller's sites (Standard Webhooks); its signing secret is in this answer only",
      tag: 'Webhooks',
      scope: 'admit:webhooks:write',
      body: createSubscriptionInput.strict(),
      responses: { 201: { description: 'The subscription and its signing secret.', schema: withSecret } },
      async run(ctx, { body }, { actor }) {
        const outcome = await webhooks.create(ctx, actor, body);
        if (outcome.status !== 'ok') refused(outcome);
        ctx.status = 201;
        ctx.set('location', `/api/v1/webhooks/${encodeURIComponent(outcome.subscription.id)}`);
        ctx.body = { subscription: toSubscription(outcome.subscription), secret: outcome.secret };
      },
    }),
    route({
      method: 'post',
      path: '/webhooks/:id',
      operationId: 'updateWebhook',
      summary: "Change a subscription's URL, events, description or whether it is enabled",
      tag: 'Webhooks',
      scope: 'admit:webhooks:write',
      body: updateSubscriptionInput.strict(),
      responses: { 200: { description: 'The subscription.', schema: subscriptionView } },
      async run(ctx, { id, body }, { actor }) {
        const outcome = await webhooks.update(ctx, actor, id, body);
        if (outcome.status !== 'ok') refused(outcome);
        ctx.body = toSubscription(outcome.subscription);
      },
    }),
    route({
      method: 'post',
      path: '/webhooks/:id/rotate-secret',
      operationId: 'rotateWebhookSecret',
      summary: 'A new signing secret, shown once; deliveries are signed with the old one too for a while, so receivers can switch over',
      tag: 'Webhooks',
      scope: 'admit:webhooks:write',
      responses: { 200: { description: 'The subscription and its new secret.', schema: withSecret } },
      async run(ctx, { id }, { actor }) {
        const outcome = await webhooks.rotateSecret(ctx, actor, id);
        if (outcome.status !== 'ok') refused(outcome);
        ctx.body = { subscription: toSubscription(outcome.subscription), secret: outcome.secret };
      },
    }),
    route({
      method: 'delete',
      path: '/webhooks/:id',
      operationId: 'deleteWebhook',
      summary: 'Delete a subscription: nothing more is sent to it',
      tag: 'Webhooks',
      scope: 'admit:webhooks:write',
      responses: noContent,
      async run(ctx, { id }, { actor }) {
        const outcome = await webhooks.remove(ctx, actor, id);
        if (outcome.status !== 'ok') refused(outcome);
        ctx.status = 204;
      },
    }),
  ];
}
