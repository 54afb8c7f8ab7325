import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.ts';
import { auditAdmin, redirectWithNotice, renderAdmin } from '../admin-page.ts';
import { type AdminUser, canAdminister } from '../admin-session.ts';
import type { AdminDeps } from '../deps.ts';

export const OUTBOX_PAGE = 50;
const cursor = z
  .string()
  .regex(/^\d+:[\w-]{1,64}$/)
  .optional()
  .catch(undefined);

/**
 * The outbox: every message admit sent or is sending (email, text, call,
 * back-channel logout), newest first, a page at a time, with its delivery
 * state, attempts and last error; a delivered or failed one can be sent
 * again. A site admin sees the messages of their sites; messages of no site
 * (back-channel logout) are a global admin's.
 */
export function outboxRoutes(router: Router, deps: AdminDeps, admin: Middleware, form: Middleware[]): void {
  const scopeOf = (user: AdminUser) => (user.allSites ? ('all' as const) : user.sites);

  router.get('/outbox', admin, async (ctx: Context) => {
    const user = ctx.state.admin as AdminUser;
    const before = cursor.parse(ctx.query.before);
    const page = await deps.outbox.list({ siteIds: scopeOf(user), limit: OUTBOX_PAGE, before });
    await renderAdmin(deps, ctx, 'outbox', { title: 'Outbox', tab: 'outbox', messages: page.messages, next: page.next, first: before === undefined });
  });

  router.post('/outbox/:id/resend', admin, ...form, async (ctx: Context) => {
    const user = ctx.state.admin as AdminUser;
    const message = await deps.outbox.get(String(ctx.params.id));
    const allowed = message && (user.allSites || (message.siteId !== undefined && canAdminister(user, message.siteId)));
    if (!message || !allowed) throw new AppError('not_found', 404);
    const outcome = await deps.outbox.resend(message.id);
    const ok = typeof outcome === 'object';
    auditAdmin(deps, ctx, {
      action: 'admin.outbox.resend',
      outcome: ok ? 'queued' : outcome,
      site: message.siteId,
      detail: { message: message.id, channel: message.channel, kind: message.kind, ...(ok ? { copy: outcome.id } : {}) },
    });
    redirectWithNotice(ctx, '/admin/outbox', ok ? 'outbox_resent' : 'outbox_not_resent');
  });
}
