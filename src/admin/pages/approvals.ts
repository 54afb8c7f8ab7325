import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { z } from 'zod';
import { messageText } from '../../errors/messages.ts';
import { guard } from '../../http/route-input.ts';
import { type Text, text } from '../../i18n/text.ts';
import { type AccessRequestView, QUEUE_PAGE } from '../../services/approvals/access-requests.ts';
import { APPROVAL_SLA_BUSINESS_DAYS } from '../../services/approvals/business-days.ts';
import { overdueBefore } from '../../services/dashboard-queue.ts';
import { CursorError, type Page } from '../../services/paging.ts';
import { actorOfAdmin } from '../actions/actor.ts';
import { decidableRequest, decideRequest } from '../actions/request-decisions.ts';
import { denyReason } from '../actions/schemas.ts';
import { redirectWithNotice, renderAdmin } from '../admin-page.ts';
import type { AdminUser } from '../admin-session.ts';
import type { AdminDeps } from '../deps.ts';
import { approvalBulkRoutes, bulkEchoOf, bulkNoticeOf } from './approvals-bulk.ts';

const denyForm = z.object({ reason: denyReason });

/** The approval queue: pending requests of the admin's sites, oldest first, aged in business days, 50 a page (a cursor in `after`). */
export function approvalRoutes(router: Router, deps: AdminDeps, admin: Middleware, form: Middleware[]): void {
  async function show(ctx: Parameters<Middleware>[0], error?: string | Text) {
    const user = ctx.state.admin as AdminUser;
    const decided = ctx.query.show === 'decided';
    // Waiting: oldest first by default (the promise is two business days); decided: newest first.
    const defaultOrder = decided ? 'newest' : 'oldest';
    const asked = ctx.query.order ?? defaultOrder;
    const order = asked === 'newest' ? 'newest' : 'oldest';
    let page: Page<AccessRequestView> = { items: [] };
    if (asked !== 'newest' && asked !== 'oldest') {
      ctx.status = 400;
      error = text('admin:approvals.chooseOrder');
    } else {
      try {
        page = await deps.requests.list(user.sites, { decided, cursor: ctx.query.after as string | undefined, newestFirst: order === 'newest' });
      } catch (problem) {
        if (!(problem instanceof CursorError)) throw problem;
        ctx.status = 400;
        error = text('admin:badCursor');
      }
    }
    const counts = await deps.requests.counts(user.sites, { overdueBefore: overdueBefore() });
    // Links keep the view (waiting or decided) and the order; an order link starts again at the first page.
    const query = (wanted: string, after?: string) =>
      [decided && 'show=decided', wanted !== defaultOrder && `order=${wanted}`, after && `after=${encodeURIComponent(after)}`].filter(Boolean).join('&');
    const url = (params: string) => `/admin/approvals${params ? `?${params}` : ''}`;
    const params = query(order);
    const base = `/admin/approvals?${params}${params ? '&' : ''}`;
    // "Select all on this page" without JavaScript: the same page again with every box checked.
    const here = ctx.path === '/admin/approvals' ? query(order, typeof ctx.query.after === 'string' ? ctx.query.after : undefined) : params;
    await renderAdmin(deps, ctx, 'approvals', {
      title: text('admin:nav.approvals'),
      tab: 'approvals',
      requests: page.items,
      decided,
      error,
      counts,
      sla: APPROVAL_SLA_BUSINESS_DAYS,
      pageSize: QUEUE_PAGE,
      firstPage: ctx.query.after === undefined,
      nextUrl: page.next && `${base}after=${encodeURIComponent(page.next)}`,
      firstUrl: base.slice(0, -1),
      order,
      orderUrls: { oldest: url(query('oldest')), newest: url(query('newest')) },
      bulkNotice: bulkNoticeOf(ctx.query),
      selectAll: ctx.query.select === 'all',
      selectAllUrl: url(`${here}${here ? '&' : ''}select=all`),
      clearUrl: url(here),
      bulk: bulkEchoOf(ctx),
    });
  }

  /** The request, if this admin may decide it; any other id is "not found". */
  const requestFor = (ctx: Parameters<Middleware>[0]) => decidableRequest(deps, actorOfAdmin(ctx.state.admin as AdminUser), String(ctx.params.id));

  router.get('/approvals', admin, (ctx) => show(ctx));

  router.post('/approvals/:id/approve', admin, ...form, async (ctx) => {
    const request = await requestFor(ctx);
    const outcome = await decideRequest(deps, ctx, actorOfAdmin(ctx.state.admin as AdminUser), request, 'approve');
    redirectWithNotice(ctx, '/admin/approvals', outcome === 'ok' ? 'approved' : 'already_decided');
  });

  const deny = guard({
    body: denyForm,
    invalid: async (ctx, refusal) => {
      // An unknown id is "not found" before a bad reason is mentioned.
      await requestFor(ctx);
      ctx.status = 400;
      return show(ctx, messageText(refusal.code));
    },
  });
  router.post('/approvals/:id/deny', admin, ...form, deny, async (ctx) => {
    const request = await requestFor(ctx);
    const { reason } = deny.input(ctx).body;
    const outcome = await decideRequest(deps, ctx, actorOfAdmin(ctx.state.admin as AdminUser), request, 'deny', { reason });
    redirectWithNotice(ctx, '/admin/approvals', outcome === 'ok' ? 'denied' : 'already_decided');
  });

  approvalBulkRoutes(router, deps, admin, form, show);
}
