import { Readable } from 'node:stream';
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { guard } from '../../http/route-input.ts';
import { auditCsvHeader, auditCsvRow } from '../../services/audit/audit-csv.ts';
import type { AuditFilter } from '../../services/audit/audit-query.ts';
import { CursorError } from '../../services/paging.ts';
import { auditAdmin, renderAdmin } from '../admin-page.ts';
import { type AdminUser, canAdminister } from '../admin-session.ts';
import type { AdminDeps } from '../deps.ts';

const PAGE = 100;
const DAY_MS = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const day = (label: string) =>
  z
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${label}: enter a date as YYYY-MM-DD.`)
    .refine(
      (value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && dayOf(Date.parse(`${value}T00:00:00Z`)) === value,
      `${label}: that is not a date in the calendar.`,
    );
const text = (max: number) => z.string().trim().max(max).optional().catch(undefined);

const filterForm = z.object({
  user: text(200),
  site: z.string().max(64).optional().catch(undefined),
  action: text(64),
  outcome: text(64),
  from: z.union([z.literal(''), day('From')]).optional(),
  to: z.union([z.literal(''), day('To')]).optional(),
  order: z.union([z.literal(''), z.enum(['newest', 'oldest'])], { message: 'Order: choose newest first or oldest first.' }).optional(),
});

type FilterQuery = z.infer<typeof filterForm>;

/** A filter the page cannot run (a reversed range; a malformed date is the route guard's): answered 400 with its sentence. */
class FilterError extends Error {}

/**
 * The filter from the query the route's guard parsed, kept inside the
 * admin's sites and the retention (default: the last 7 days). A reversed
 * range is a FilterError, not a silent default.
 */
function filterOf(ctx: Context, raw: FilterQuery, retentionDays: number): { filter: AuditFilter; values: Record<string, string> } {
  const admin = ctx.state.admin as AdminUser;
  const today = dayOf(Date.now());
  const to = raw.to && raw.to <= today ? raw.to : today;
  const earliest = dayOf(Date.now() - retentionDays * DAY_MS);
  if (raw.from && raw.to && raw.from > raw.to) throw new FilterError('From must be on or before To.');
  const from = raw.from ? [raw.from, earliest].sort()[1]! : dayOf(Date.parse(`${to}T00:00:00Z`) - 6 * DAY_MS);
  const site = raw.site && canAdminister(admin, raw.site) ? raw.site : undefined;
  const filter: AuditFilter = {
    scope: admin.allSites ? { allSites: true } : { allSites: false, sites: admin.sites },
    site,
    user: raw.user || undefined,
    action: raw.action || undefined,
    outcome: raw.outcome || undefined,
    from,
    to,
    ...(raw.order === 'oldest' ? { oldestFirst: true } : {}),
  };
  return {
    filter,
    values: {
      user: raw.user ?? '',
      site: site ?? '',
      action: raw.action ?? '',
      outcome: raw.outcome ?? '',
      from,
      to,
      ...(raw.order === 'oldest' ? { order: 'oldest' } : {}),
    },
  };
}

/**
 * Events that name an account but no user name (MFA events written before
 * they carried it) get the account's user name for the User column; each
 * account is read once.
 */
async function withUserNames<T extends { username?: string; accountId?: string }>(deps: AdminDeps, events: T[]): Promise<T[]> {
  const ids = [...new Set(events.flatMap((event) => (!event.username && event.accountId ? [event.accountId] : [])))];
  const names = new Map<string, string>();
  await Promise.all(
    ids.map(async (id) => {
      const account = await deps.accounts.find(id);
      if (account) names.set(id, account.username);
    }),
  );
  return events.map((event) => (!event.username && event.accountId && names.has(event.accountId) ? { ...event, username: names.get(event.accountId) } : event));
}

const emptyValues = { user: '', site: '', action: '', outcome: '', from: '', to: '', order: '' };

/**
 * The audit log: filter by days, site, user, action and outcome (each served
 * by an index), 100 a page by cursor; export what matches as CSV or JSON
 * Lines, streamed a batch at a time with no row cap.
 */
export function auditRoutes(router: Router, deps: AdminDeps, admin: Middleware): void {
  const retentionDays = deps.audit.retentionDays;
  const sitesOf = (user: AdminUser) => deps.sites.list().filter((site) => canAdminister(user, site.id));

  const renderPage = (ctx: Context, data: Record<string, unknown>) =>
    renderAdmin(deps, ctx, 'audit', {
      title: 'Audit log',
      tab: 'audit',
      events: [],
      nextUrl: undefined,
      firstPage: true,
      values: emptyValues,
      exportQuery: '',
      error: undefined,
      oldestFirst: false,
      orderUrls: undefined,
      page: PAGE,
      retentionDays,
      sites: sitesOf(ctx.state.admin as AdminUser),
      ...data,
    });
  /** The filter as typed, for the form that shows a refusal. */
  const typed = (ctx: Context) =>
    Object.fromEntries(Object.keys(emptyValues).map((key) => [key, typeof ctx.query[key] === 'string' ? String(ctx.query[key]) : '']));
  const refusePage = (ctx: Context, sentence: string) => {
    ctx.status = 400;
    return renderPage(ctx, { error: sentence, values: typed(ctx) });
  };
  const refuseExport = (ctx: Context, sentence: string) => {
    ctx.status = 400;
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = `${sentence}\n`;
  };
  const pageInput = guard({ query: filterForm, invalid: (ctx, refusal) => refusePage(ctx, refusal.issue) });
  const exportInput = guard({ query: filterForm, invalid: (ctx, refusal) => refuseExport(ctx, refusal.issue) });

  router.get('/audit', admin, pageInput, async (ctx) => {
    const render = (data: Record<string, unknown>) => renderPage(ctx, data);
    try {
      const { filter, values } = filterOf(ctx, pageInput.input(ctx).query, retentionDays);
      const found = await deps.audit.page(filter, { cursor: ctx.query.after as string | undefined, limit: PAGE });
      const query = new URLSearchParams(values).toString();
      // The order's links keep the filter and start at the first page.
      const { order: _order, ...unordered } = values;
      const orderUrls = {
        newest: `/admin/audit?${new URLSearchParams(unordered)}`,
        oldest: `/admin/audit?${new URLSearchParams({ ...unordered, order: 'oldest' })}`,
      };
      await render({
        oldestFirst: filter.oldestFirst === true,
        orderUrls,
        events: await withUserNames(deps, found.items),
        values,
        exportQuery: query,
        firstPage: ctx.query.after === undefined,
        firstUrl: `/admin/audit?${query}`,
        nextUrl: found.next && `/admin/audit?${query}&after=${encodeURIComponent(found.next)}`,
      });
    } catch (problem) {
      if (!(problem instanceof FilterError || problem instanceof CursorError)) throw problem;
      await refusePage(ctx, problem.message);
    }
  });

  /** CSV or JSON Lines of everything the filter matches, streamed: rows are read a batch at a time, never held whole. */
  async function exportAs(ctx: Context, format: 'csv' | 'jsonl') {
    let filtered: ReturnType<typeof filterOf>;
    try {
      filtered = filterOf(ctx, exportInput.input(ctx).query, retentionDays);
    } catch (problem) {
      if (!(problem instanceof FilterError)) throw problem;
      return refuseExport(ctx, problem.message);
    }
    const { filter, values } = filtered;
    auditAdmin(deps, ctx, { action: 'admin.audit.export', outcome: 'ok', site: filter.site, detail: { ...values, format } });
    const batches = deps.audit.batches(filter);
    async function* body(): AsyncGenerator<string> {
      if (format === 'csv') yield auditCsvHeader();
      for await (const batch of batches) {
        yield batch.map(({ event }) => (format === 'csv' ? auditCsvRow(event) : `${JSON.stringify(event)}\n`)).join('');
      }
    }
    ctx.set('content-disposition', `attachment; filename="admit-audit-${values.from}-to-${values.to}.${format}"`);
    ctx.set('cache-control', 'no-store');
    ctx.type = format === 'csv' ? 'text/csv; charset=utf-8' : 'application/jsonl; charset=utf-8';
    ctx.body = Readable.from(body(), { objectMode: false });
  }

  router.get('/audit.csv', admin, exportInput, (ctx) => exportAs(ctx, 'csv'));
  router.get('/audit.jsonl', admin, exportInput, (ctx) => exportAs(ctx, 'jsonl'));
}
