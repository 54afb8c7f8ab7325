import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { messages } from '../../errors/messages.ts';
import type { StoredAuditEvent } from '../../services/audit/audit-log.ts';
import { createAuditTimeline } from '../../services/dashboard-timeline.ts';
import { CursorError, type Page } from '../../services/paging.ts';
import { renderAdmin } from '../admin-page.ts';
import type { AdminUser } from '../admin-session.ts';
import type { AdminDeps } from '../deps.ts';
import { describeRole, mayActOn, roleOf } from '../role-order.ts';
import { accountFor } from './user-actions.ts';

export const TIMELINE_PAGE = 20;

/** How a session proved who it is, in words (the `amr` values admit and its methods set). */
const AMR_WORDS: Record<string, string> = {
  pwd: 'Password',
  otp: 'a one-time code',
  hwk: 'a security key',
  sms: 'a text message',
  tel: 'a phone call',
  mfa: 'two-step verification',
  fed: 'a federated sign-in',
};
export const amrInWords = (amr: readonly string[]) => {
  const words = [...new Set(amr.filter((value) => value !== 'mfa').map((value) => AMR_WORDS[value] ?? value))];
  return words.length ? words.join(' + ') : '—';
};

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
    let error: string | undefined;
    try {
      events = await timeline.page(account, { cursor: before, limit: TIMELINE_PAGE });
    } catch (problem) {
      if (!(problem instanceof CursorError)) throw problem;
      ctx.status = 400;
      error = problem.message;
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
      role: describeRole(roleOf(account)),
      // The actions are offered only where the role order allows them (the POSTs check it again).
      refusal: verdict.ok ? undefined : messages[verdict.code],
      siteName: site?.config.displayName ?? account.siteId,
      canUnlockDirectory: site?.connector.unlock !== undefined,
      mfa: deps.mfa !== undefined,
      factors,
      sessions: sessions?.map((session) => ({
        ...session,
        signedIn: session.signedInAt ? `${new Date(session.signedInAt * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC` : '—',
        proof: amrInWords(session.amr),
      })),
      events: events.items.filter((event) => !event.site || user.sites.includes(event.site)),
      olderUrl: events.next && `${base}?before=${encodeURIComponent(events.next)}#timeline`,
      newestUrl: before ? `${base}#timeline` : undefined,
      base,
    });
  });
}
