import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { AppError } from '../../errors/app-error.ts';
import { type Text, text } from '../../i18n/text.ts';
import { CursorError } from '../../services/paging.ts';
import { WEBHOOK_EVENT_TYPES } from '../../services/webhooks/event-types.ts';
import type { WebhookActor, WebhookService } from '../../services/webhooks/webhook-service.ts';
import { renderAdmin } from '../admin-page.ts';
import type { AdminUser } from '../admin-session.ts';
import type { AdminDeps } from '../deps.ts';

export const WEBHOOKS_PAGE = 20;

/** What the page says after an action, by a fixed code in the query (never text taken from the request; admin.json's webhooks.done.<code>). */
const done: Record<string, Text> = {
  disabled: text('admin:webhooks.done.disabled'),
  enabled: text('admin:webhooks.done.enabled'),
  deleted: text('admin:webhooks.done.deleted'),
};

const actorOf = (ctx: Context): WebhookActor => {
  const admin = ctx.state.admin as AdminUser;
  return { label: admin.label, sites: admin.sites };
};

/** A form's checkboxes: one value is a string, several an array, none absent. */
const listOf = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : []);
const textOf = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * The console's Webhooks page: a site's event subscriptions (Standard
 * Webhooks), with each one's latest deliveries; add, disable or enable,
 * rotate the signing secret, delete. A site admin sees and changes their
 * sites' subscriptions only (another's is "not found"); the service
 * (services/webhooks/webhook-service.ts) checks that, validates and audits.
 * A new secret is shown once, on the page that answers the post.
 */
export function webhookRoutes(router: Router, deps: AdminDeps, admin: Middleware, form: Middleware[]): void {
  const webhooks = deps.webhooks;
  if (!webhooks) return;

  async function show(ctx: Context, extra: Record<string, unknown> = {}) {
    const actor = actorOf(ctx);
    const after = typeof ctx.query.after === 'string' ? ctx.query.after : undefined;
    let page: Awaited<ReturnType<WebhookService['list']>>;
    try {
      page = await webhooks!.list(actor, { after, limit: WEBHOOKS_PAGE });
    } catch (error) {
      if (!(error instanceof CursorError)) throw error;
      ctx.status = 400;
      page = { items: [] };
      extra = { error: text('admin:badCursor'), ...extra };
    }
    const deliveries = await Promise.all(page.items.map((item) => webhooks!.deliveries(actor, item.id, 5)));
    await renderAdmin(deps, ctx, 'webhooks', {
      title: text('admin:nav.webhooks'),
      tab: 'webhooks',
      subscriptions: page.items.map((item, index) => ({ ...item, deliveries: deliveries[index] ?? [] })),
      next: page.next,
      first: after === undefined,
      eventTypes: WEBHOOK_EVENT_TYPES,
      values: {},
      secret: undefined,
      error: undefined,
      done: typeof ctx.query.done === 'string' && Object.hasOwn(done, ctx.query.done) ? done[ctx.query.done] : undefined,
      ...extra,
    });
  }

  router.get('/webhooks', admin, (ctx) => show(ctx));

  router.post('/webhooks', admin, ...form, async (ctx) => {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const values = { site: textOf(body.site), url: textOf(body.url), events: listOf(body.events), description: textOf(body.description) };
    const outcome = await webhooks.create(ctx, actorOf(ctx), { ...values, description: values.description || undefined, events: values.events as never });
    if (outcome.status === 'not_found') throw new AppError('not_found', 404);
    if (outcome.status !== 'ok') {
      ctx.status = 400;
      return show(ctx, { values, error: outcome.message });
    }
    await show(ctx, { secret: { url: outcome.subscription.url, value: outcome.secret } });
  });

  const redirectDone = (ctx: Context, code: keyof typeof done) => {
    ctx.status = 303;
    ctx.redirect(`/admin/webhooks?done=${code}`);
  };

  for (const [path, enabled] of [
    ['disable', false],
    ['enable', true],
  ] as const) {
    router.post(`/webhooks/:id/${path}`, admin, ...form, async (ctx) => {
      const outcome = await webhooks.update(ctx, actorOf(ctx), String(ctx.params.id), { enabled });
      if (outcome.status !== 'ok') throw new AppError('not_found', 404);
      redirectDone(ctx, enabled ? 'enabled' : 'disabled');
    });
  }

  router.post('/webhooks/:id/rotate-secret', admin, ...form, async (ctx) => {
    const outcome = await webhooks.rotateSecret(ctx, actorOf(ctx), String(ctx.params.id));
    if (outcome.status !== 'ok') throw new AppError('not_found', 404);
    await show(ctx, { secret: { url: outcome.subscription.url, value: outcome.secret, rotated: true } });
  });

  router.post('/webhooks/:id/delete', admin, ...form, async (ctx) => {
    const outcome = await webhooks.remove(ctx, actorOf(ctx), String(ctx.params.id));
    if (outcome.status !== 'ok') throw new AppError('not_found', 404);
    redirectDone(ctx, 'deleted');
  });
}
