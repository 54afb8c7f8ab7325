import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { formatDateTime, localeOf } from '../../i18n/index.ts';
import { translatorOf } from '../../i18n/middleware.ts';
import { text } from '../../i18n/text.ts';
import { createDashboardCounters } from '../../services/dashboard-counters.ts';
import { queueFigures } from '../../services/dashboard-queue.ts';
import { renderAdmin } from '../admin-page.ts';
import type { AdminUser } from '../admin-session.ts';
import type { AdminDeps } from '../deps.ts';
import { dayLabel, signInChart } from './dashboard-chart.ts';

export const CHART_DAYS = 14;
/** Locked names listed per site (each is checked against the lockout's counter). */
const LOCKED_PER_SITE = 25;
/** The outbox's newest messages the dashboard looks at for failed deliveries. */
export const OUTBOX_SAMPLE = 200;

/**
 * The console's home: what needs an admin first, over the admin's sites.
 * Every figure is a bounded read (issue 16): per-day counters, the approval
 * queue's pending index, the lockout's noted locks, the MFA enrollment
 * counter per site, and the outbox's newest page; nothing lists accounts or
 * audit entries.
 */
export function dashboardRoutes(router: Router, deps: AdminDeps, admin: Middleware): void {
  const counters = createDashboardCounters({ store: deps.store, retentionDays: deps.config.audit.retentionDays });

  router.get('/', admin, async (ctx: Context) => {
    const user = ctx.state.admin as AdminUser;
    const siteIds = user.sites;
    const locale = localeOf(ctx);
    // The queue's own list first: it moves a site's requests from before the index into it, and gives the oldest.
    const oldest = siteIds.length ? (await deps.requests.list(siteIds, { limit: 1 })).items[0] : undefined;
    const [queues, locks, days, enrolled, outbox] = await Promise.all([
      Promise.all(siteIds.map((siteId) => queueFigures(deps.store, siteId))),
      Promise.all(siteIds.map((siteId) => deps.lockout.lockedNames(siteId, LOCKED_PER_SITE))),
      Promise.all(siteIds.map((siteId) => counters.perDay([siteId], CHART_DAYS))),
      counters.mfaEnrolled(siteIds),
      deps.outbox.list({ siteIds: user.allSites ? 'all' : siteIds, limit: OUTBOX_SAMPLE }),
    ]);
    const lockedAccounts = await Promise.all(
      siteIds.flatMap((siteId, index) =>
        locks[index]!.names.map(async (name) => {
          const account = await deps.accounts.findByUsername(siteId, name);
          return { siteId, name: account?.username ?? name, accountId: account?.id };
        }),
      ),
    );
    const perDay =
      days[0]?.map((day, index) => ({
        day: day.day,
        signIns: days.reduce((sum, site) => sum + site[index]!.signIns, 0),
        failures: days.reduce((sum, site) => sum + site[index]!.failures, 0),
      })) ?? [];
    const sites = siteIds.map((siteId, index) => ({
      id: siteId,
      name: deps.sites.get(siteId)?.config.displayName ?? siteId,
      queue: queues[index]!,
      locked: locks[index]!.names.length,
      lockedMore: locks[index]!.more,
      enrolled: enrolled.get(siteId) ?? 0,
      signIns: days[index]!.reduce((sum, day) => sum + day.signIns, 0),
      failures: days[index]!.reduce((sum, day) => sum + day.failures, 0),
    }));
    const failed = outbox.messages.filter((message) => message.state === 'failed');
    const sum = (pick: (site: (typeof sites)[number]) => number) => sites.reduce((total, site) => total + pick(site), 0);
    await renderAdmin(deps, ctx, 'dashboard', {
      title: text('admin:nav.dashboard'),
      tab: 'dashboard',
      asOf: `${formatDateTime(locale, new Date())} UTC`,
      sites,
      totals: {
        pending: sum((site) => site.queue.pending),
        overdue: sum((site) => site.queue.overdue),
        queueCapped: sites.some((site) => site.queue.capped),
        locked: lockedAccounts.length,
        lockedMore: sites.some((site) => site.lockedMore),
        enrolled: sum((site) => site.enrolled),
        signIns: sum((site) => site.signIns),
        failures: sum((site) => site.failures),
      },
      oldest,
      lockedAccounts: lockedAccounts.slice(0, 8),
      failed: { count: failed.length, sampled: outbox.messages.length, more: outbox.next !== undefined, latest: failed.slice(0, 5) },
      perDay: perDay.map((day) => ({ ...day, label: dayLabel(day.day, locale) })),
      // The console is served behind the app's locale negotiation, which sets the request's translator.
      chart: signInChart(perDay, translatorOf(ctx)!, locale),
      chartDays: CHART_DAYS,
    });
  });
}
