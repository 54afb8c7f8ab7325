import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { messageText } from '../../errors/messages.ts';
import { formatDateTime, localeOf } from '../../i18n/index.ts';
import { type Text, text } from '../../i18n/text.ts';
import type { StoredAuditEvent } from '../../services/audit/audit-log.ts';
import { createAuditTimeline } from '../../services/dashboard-timeline.ts';
import { CursorError, type Page } from '../../services/paging.ts';
import { renderAdmin, roleText } from '../admin-page.ts';
import type { AdminUser } from '../admin-session.ts';
import type { AdminDeps } from '../deps.ts';
import { mayActOn, roleOf } from '../role-order.ts';
import { accountFor } from './user-actions.ts';

export const TIMELINE_PAGE = 20;

/** How a session proved who it is, in words (the `amr` values admit and its methods set; admin.json's `amr.<value>`). */
const AMR_WORDS = new Set(['pwd', 'otp', 'hwk', 'sms', 'tel', 'mfa', 'fed']);
/** The words, one per proof (the page joins them with " + "); an `amr` value admit does not know is shown as it is. */
export const amrInWords = (amr: readonly string[]): (Text | string)[] =>
  [...new Set(amr.filter((value) => value !== 'mfa'))].map((value) => (AMR_WORDS.has(value) ? text(`admin:amr.${value}`) : value));

/**
 * One account's page: its details, its two-step devices, its SSO sessions,
 * its audit timeline (newest first, 20 a page by cursor), and the console's
 * actions on it (user-actions.ts posts them; the role order decides which
 * are offered). An account of a site the admin does not administer is "not
 * found"; the timeline shows only events of the admin's sites.
 */
export function userPageRoutes(router: Router, deps: AdminDeps, admin: Middleware): void {
  const timeline = createAuditTimeline({ store: deps.store, retentionDays: deps.config.audit.retentionDays });

  router.get('/users/:id', admin, async (ctx: Context) => {
    const user = ctx.state.admin as AdminUser;
    const account = await accountFor(deps, ctx);
    const site = deps.sites.get(account.siteId);
    const verdict = mayActOn(user, account);
    const before = typeof ctx.query.before === 'string' ? ctx.query.before : undefined;
    let events: Page<StoredAuditEvent> = { items: [] };
    let error: Text | undefined;
    try {
      events = await timeline.page(account, { cursor: before, limit: TIMELINE_PAGE });
    } catch (problem) {
      if (!(problem instanceof CursorError)) throw problem;
      ctx.status = 400;
      error = text('admin:badCursor');
    }
    const [factors, sessions] = await Promise.all([
      deps.mfa?.listFactors ? deps.mfa.listFactors(account.id) : undefined,
      deps.sessions ? deps.sessions.list(account.id) : undefined,
    ]);
    const base = `/admin/users/${encodeURIComponent(account.id)}`;
    await renderAdmin(deps, ctx, 'user-page', {
      title: account.username,
      tab: 'users',
      account,
      error,
      role: roleText(roleOf(account)),
      // The actions are offered only where the role order allows them (the POSTs check it again).
      refusal: verdict.ok ? undefined : messageText(verdict.code),
      siteName: site?.config.displayName ?? account.siteId,
      canUnlockDirectory: site?.connector.unlock !== undefined,
      mfa: deps.mfa !== undefined,
      factors,
      sessions: sessions?.map((session) => ({
        ...session,
        signedIn: session.signedInAt ? `${formatDateTime(localeOf(ctx), session.signedInAt * 1000)} UTC` : '—',
        proof: amrInWords(session.amr),
      })),
      events: events.items.filter((event) => !event.site || user.sites.includes(event.site)),
      olderUrl: events.next && `${base}?before=${encodeURIComponent(events.next)}#timeline`,
      newestUrl: before ? `${base}#timeline` : undefined,
      base,
    });
  });
}
