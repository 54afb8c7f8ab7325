import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { guard } from '../../http/route-input.ts';
import { type Text, text } from '../../i18n/text.ts';
import { QUEUE_PAGE } from '../../services/approvals/access-requests.ts';
import { actorOfAdmin } from '../actions/actor.ts';
import { decideRequests } from '../actions/request-decisions.ts';
import { requestId, requestIds } from '../actions/schemas.ts';
import type { AdminUser } from '../admin-session.ts';
import type { AdminDeps } from '../deps.ts';

/**
 * The checked boxes: one `id` is a string, several an array, and more than
 * qs's arrayLimit (20) an object keyed 0, 1, … — each read as the list it is.
 * Any other key (id.x=…, id[foo]=…) is refused.
 */
const ids = z.preprocess((value) => {
  if (value === undefined || typeof value === 'string') return value === undefined ? [] : [value];
  if (Array.isArray(value)) return value;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.every(([key]) => /^\d{1,3}$/.test(key)) ? entries.map(([, id]) => id) : value;
  }
  return value;
}, requestIds);

export const bulkForm = z
  .object({
    id: ids,
    decision: z.enum(['approve', 'deny'], { message: 'admin:approvals.chooseDecision' }),
    reason: z.string().trim().max(500, 'admin:approvals.reasonTooLong').optional().default(''),
  })
  // The same rule as a single deny: a denial says why (the person is told the reason by email).
  .refine((form) => form.decision === 'approve' || form.reason !== '', { message: 'admin:approvals.reasonNeeded', path: ['reason'] });

export const BULK_NOT_YOURS = text('admin:approvals.notYours');

const count = (value: unknown) => {
  const n = typeof value === 'string' && /^\d{1,2}$/.test(value) ? Number(value) : 0;
  return n <= QUEUE_PAGE ? n : 0;
};

/**
 * The sentence after a bulk decision, from counts in the query (numbers only,
 * at most a page; the words are this code's): "3 approved; 1 was already decided."
 */
export function bulkNoticeOf(query: Context['query']): Text | undefined {
  if (query.notice !== 'bulk') return undefined;
  const approved = count(query.approved);
  const denied = count(query.denied);
  const already = count(query.already);
  const approvedText = text('admin:approvals.bulkApproved', { count: approved });
  const deniedText = text('admin:approvals.bulkDenied', { count: denied });
  const done =
    approved > 0 && denied > 0
      ? text('admin:approvals.bulkBoth', { approved: approvedText, denied: deniedText })
      : approved > 0
        ? approvedText
        : denied > 0
          ? deniedText
          : text('admin:approvals.bulkNone');
  const told = approved + denied > 0 ? 'Told' : '';
  if (already === 0) return text(`admin:approvals.bulkNotice${told}`, { done });
  return text(`admin:approvals.bulkNoticeSkipped${told}`, { done, skipped: text('admin:approvals.bulkAlready', { count: already }) });
}

/**
 * What a refused bulk post sent, for the queue shown again with its answer:
 * the boxes stay checked and the reason stays typed (nothing else is echoed).
 */
export function bulkEchoOf(ctx: Context): { checked: string[]; reason: string } {
  const body = ctx.method === 'POST' && ctx.path === '/admin/approvals/bulk' ? (ctx.request as { body?: Record<string, unknown> }).body : undefined;
  const raw = body?.id;
  const listed = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : raw && typeof raw === 'object' ? Object.values(raw) : [];
  const checked = listed.filter((id): id is string => typeof id === 'string' && requestId.safeParse(id).success).slice(0, QUEUE_PAGE);
  return { checked, reason: typeof body?.reason === 'string' ? body.reason.slice(0, 500) : '' };
}

/**
 * Approve or deny the checked requests of one page, with one reason. Every id
 * is checked first (known, of a site this admin administers; duplicates count
 * once), so a post naming another site's request changes nothing; then each is
 * decided by the same service call as a single decision (first decision wins,
 * its email through the outbox) and audited as one.
 */
export function approvalBulkRoutes(
  router: Router,
  deps: AdminDeps,
  admin: Middleware,
  form: Middleware[],
  show: (ctx: Context, error?: string | Text) => Promise<void>,
): void {
  const input = guard({
    body: bulkForm,
    invalid: (ctx, refusal) => {
      ctx.status = 400;
      return show(ctx, refusal.text);
    },
  });

  router.post('/approvals/bulk', admin, ...form, input, async (ctx) => {
    const { id, decision, reason } = input.input(ctx).body;
    const decided = await decideRequests(deps, ctx, actorOfAdmin(ctx.state.admin as AdminUser), id, decision, reason);
    if (decided.status === 'not_yours') {
      ctx.status = 404;
      return show(ctx, BULK_NOT_YOURS);
    }
    const { tally } = decided;
    ctx.status = 303;
    ctx.redirect(`/admin/approvals?notice=bulk&approved=${tally.approved}&denied=${tally.denied}&already=${tally.already}`);
  });
}
