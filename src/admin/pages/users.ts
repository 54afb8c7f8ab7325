import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { renderAdmin } from '../admin-page.ts';
import { canAdminister, type AdminUser } from '../admin-session.ts';
import type { AdminDeps } from '../deps.ts';
import { accountFor, userActionRoutes } from './user-actions.ts';
import { describeRole, mayActOn, roleOf } from '../role-order.ts';
import { messages } from '../../errors/messages.ts';

const PAGE_SIZE = 200;

/** Users: search the admin's sites; one page per account with its actions. */
export function userRoutes(router: Router, deps: AdminDeps, admin: Middleware, form: Middleware[]): void {
  router.get('/users', admin, async (ctx) => {
    const user = ctx.state.admin as AdminUser;
    const q = typeof ctx.query.q === 'string' ? ctx.query.q.trim().slice(0, 100) : '';
    const site = typeof ctx.query.site === 'string' && canAdminister(user, ctx.query.site) ? ctx.query.site : '';
    const sites = site ? [site] : user.sites;
    const wanted = q.toLowerCase();
    const found = (await Promise.all(sites.map((id) => deps.accounts.listBySite(id)))).flat()
      .filter((account) => !wanted || [account.username, account.name, account.email].some((value) => value?.toLowerCase().includes(wanted)))
      .sort((a, b) => a.username.localeCompare(b.username) || a.siteId.localeCompare(b.siteId));
    await renderAdmin(deps, ctx, 'users', {
      title: 'Users', tab: 'users', q, site, users: found.slice(0, PAGE_SIZE), total: found.length, pageSize: PAGE_SIZE,
      sites: deps.sites.list().filter((candidate) => canAdminister(user, candidate.id)),
    });
  });

  router.get('/users/:id', admin, async (ctx) => {
    const account = await accountFor(deps, ctx);
    const site = deps.sites.get(account.siteId);
    const verdict = mayActOn(ctx.state.admin as AdminUser, account);
    await renderAdmin(deps, ctx, 'user', {
      title: account.username, tab: 'users', account,
      role: describeRole(roleOf(account)),
      // The actions are offered only where the role order allows them (the POSTs check it again).
      refusal: verdict.ok ? undefined : messages[verdict.code],
      siteName: site?.config.displayName ?? account.siteId,
      canUnlockDirectory: site?.connector.unlock !== undefined,
      mfa: deps.mfa !== undefined,
      factors: deps.mfa?.listFactors ? await deps.mfa.listFactors(account.id) : undefined,
    });
  });

  userActionRoutes(router, deps, admin, form);
}
