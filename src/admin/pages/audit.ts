import { Readable } from 'node:stream';
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { messages, messageText } from '../../errors/messages.ts';
import { guard } from '../../http/route-input.ts';
import { type Text, text } from '../../i18n/text.ts';
import { auditCsvHeader, auditCsvRow } from '../../services/audit/audit-csv.ts';
import { CursorError } from '../../services/paging.ts';
import { actorOfAdmin } from '../actions/actor.ts';
import { type AuditFilterQuery, auditFilterOf, auditFilterQuery, FilterError } from '../actions/audit-filter.ts';
import { auditAdmin, renderAdmin } from '../admin-page.ts';
import { type AdminUser, canAdminister } from '../admin-session.ts';
import type { AdminDeps } from '../deps.ts';

const PAGE = 100;
const filterForm = auditFilterQuery;
const filterOf = (ctx: Context, raw: AuditFilterQuery, retentionDays: number) => auditFilterOf(actorOfAdmin(ctx.state.admin as AdminUser), raw, retentionDays);

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
      title: text('admin:nav.audit'),
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
  const refusePage = (ctx: Context, sentence: string | Text) => {
    ctx.status = 400;
    return renderPage(ctx, { error: sentence, values: typed(ctx) });
  };
  const refuseExport = (ctx: Context, sentence: string) => {
    ctx.status = 400;
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = `${sentence}\n`;
  };
  const pageInput = guard({ query: filterForm, invalid: (ctx, refusal) => refusePage(ctx, refusal.text) });
  const exportInput = guard({
    query: filterForm,
    invalid: (ctx, refusal) => refuseExport(ctx, refusal.code === 'invalid_form' ? refusal.issue : refusal.message),
  });

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
      // A filter's refusal is the shared audit filter's sentence (actions/audit-filter.ts, the API's too).
      await refusePage(ctx, problem instanceof CursorError ? text('admin:badCursor') : messageText(problem.code));
    }
  });

  /** CSV or JSON Lines of everything the filter matches, streamed: rows are read a batch at a time, never held whole. */
  async function exportAs(ctx: Context, format: 'csv' | 'jsonl') {
    let filtered: ReturnType<typeof filterOf>;
    try {
      filtered = filterOf(ctx, exportInput.input(ctx).query, retentionDays);
    } catch (problem) {
      if (!(problem instanceof FilterError)) throw problem;
      return refuseExport(ctx, messages[problem.code]);
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
