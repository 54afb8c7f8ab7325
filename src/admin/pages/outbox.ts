import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { text } from '../../i18n/text.ts';
import { actorOfAdmin } from '../actions/actor.ts';
import { outboxScopeOf, resendMessage, visibleMessage } from '../actions/outbox-actions.ts';
import { redirectWithNotice, renderAdmin } from '../admin-page.ts';
import type { AdminUser } from '../admin-session.ts';
import type { AdminDeps } from '../deps.ts';

export const OUTBOX_PAGE = 50;
/** The outbox's own cursor (score:id); anything else is the first page. */
export const outboxCursor = z
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
  router.get('/outbox', admin, async (ctx: Context) => {
    const before = outboxCursor.parse(ctx.query.before);
    const page = await deps.outbox.list({ siteIds: outboxScopeOf(actorOfAdmin(ctx.state.admin as AdminUser)), limit: OUTBOX_PAGE, before });
    await renderAdmin(deps, ctx, 'outbox', {
      title: text('admin:nav.outbox'),
      tab: 'outbox',
      messages: page.messages,
      next: page.next,
      first: before === undefined,
    });
  });

  router.post('/outbox/:id/resend', admin, ...form, async (ctx: Context) => {
    const actor = actorOfAdmin(ctx.state.admin as AdminUser);
    const message = await visibleMessage(deps, actor, String(ctx.params.id));
    const outcome = await resendMessage(deps, ctx, actor, message);
    redirectWithNotice(ctx, '/admin/outbox', typeof outcome === 'object' ? 'outbox_resent' : 'outbox_not_resent');
  });
}
