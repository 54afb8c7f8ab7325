import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { AuditFilter } from '../../services/audit/audit-query.ts';
import { auditCsvHeader, auditCsvRow } from '../../services/audit/audit-csv.ts';
import { auditAdmin, renderAdmin } from '../admin-page.ts';
import { canAdminister, type AdminUser } from '../admin-session.ts';
import type { AdminDeps } from '../deps.ts';

const PAGE = 200;
const EXPORT_MAX = 100_000;
const MAX_DAYS = 92;
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)));

const filterForm = z.object({
  user: z.string().trim().max(100).optional().catch(undefined),
  site: z.string().max(64).optional().catch(undefined),
  action: z.string().trim().max(64).optional().catch(undefined),
  from: day.optional().catch(undefined),
  to: day.optional().catch(undefined),
});

/** The filter from the query, kept inside the admin's sites and a 92-day window (default: the last 7 days). */
function filterOf(ctx: Context): { filter: AuditFilter; values: Record<string, string> } {
  const admin = ctx.state.admin as AdminUser;
  const raw = filterForm.parse(ctx.query);
  const today = new Date().toISOString().slice(0, 10);
  const to = raw.to && raw.to <= today ? raw.to : today;
  const earliest = new Date(Date.parse(`${to}T00:00:00Z`) - (MAX_DAYS - 1) * 86_400_000).toISOString().slice(0, 10);
  const fallback = new Date(Date.parse(`${to}T00:00:00Z`) - 6 * 86_400_000).toISOString().slice(0, 10);
  const from = raw.from && raw.from <= to ? (raw.from < earliest ? earliest : raw.from) : fallback;
  const site = raw.site && canAdminister(admin, raw.site) ? raw.site : undefined;
  const filter: AuditFilter = {
    scope: admin.allSites ? { allSites: true } : { allSites: false, sites: admin.sites },
    site, user: raw.user || undefined, action: raw.action || undefined, from, to,
  };
  return { filter, values: { user: raw.user ?? '', site: site ?? '', action: raw.action ?? '', from, to } };
}

/**
 * Events that name an account but no user name (MFA events written before
 * they carried it) get the account's user name for the User column; each
 * account is read once.
 */
async function withUserNames<T extends { username?: string; accountId?: string }>(deps: AdminDeps, events: T[]): Promise<T[]> {
  const ids = [...new Set(events.flatMap((event) => (!event.username && event.accountId ? [event.accountId] : [])))];
  const names = new Map<string, string>();
  await Promise.all(ids.map(async (id) => {
    const account = await deps.accounts.find(id);
    if (account) names.set(id, account.username);
  }));
  return events.map((event) => (!event.username && event.accountId && names.has(event.accountId) ? { ...event, username: names.get(event.accountId) } : event));
}

/** The audit log: filter by user, site, action and days; export what matches as CSV. */
export function auditRoutes(router: Router, deps: AdminDeps, admin: Middleware): void {
  router.get('/audit', admin, async (ctx) => {
    const { filter, values } = filterOf(ctx);
    const { events: found, more } = await deps.audit.query(filter, PAGE);
    const events = await withUserNames(deps, found);
    const user = ctx.state.admin as AdminUser;
    await renderAdmin(deps, ctx, 'audit', {
      title: 'Audit log', tab: 'audit', events, more, values, page: PAGE,
      exportQuery: new URLSearchParams(values).toString(),
      sites: deps.sites.list().filter((site) => canAdminister(user, site.id)),
    });
  });

  router.get('/audit.csv', admin, async (ctx) => {
    const { filter, values } = filterOf(ctx);
    auditAdmin(deps, ctx, { action: 'admin.audit.export', outcome: 'ok', site: filter.site, detail: values });
    const lines = [auditCsvHeader()];
    for await (const event of deps.audit.events(filter, EXPORT_MAX)) lines.push(auditCsvRow(event));
    ctx.set('content-disposition', `attachment; filename="admit-audit-${values.from}-to-${values.to}.csv"`);
    ctx.set('cache-control', 'no-store');
    ctx.type = 'text/csv; charset=utf-8';
    ctx.body = lines.join('');
  });
}
