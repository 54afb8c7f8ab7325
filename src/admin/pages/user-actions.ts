import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { Account } from '../../services/accounts.ts';
import { actorOfAdmin } from '../actions/actor.ts';
import { runUserAction, USER_ACTION_NAMES, visibleAccount } from '../actions/user-actions.ts';
import { redirectWithNotice } from '../admin-page.ts';
import type { AdminUser } from '../admin-session.ts';
import type { AdminDeps } from '../deps.ts';

/** The account, if this admin may see it; an account of another site is "not found". */
export function accountFor(deps: AdminDeps, ctx: Context): Promise<Account> {
  return visibleAccount(deps, actorOfAdmin(ctx.state.admin as AdminUser), String(ctx.params.id));
}

/**
 * The console's buttons on an account: each posts one of the shared actions
 * (actions/user-actions.ts, which the management API calls too), which checks
 * the role order on the target and audits its outcome.
 */
export function userActionRoutes(router: Router, deps: AdminDeps, admin: Middleware, form: Middleware[]): void {
  for (const name of USER_ACTION_NAMES) {
    router.post(`/users/:id/${name}`, admin, ...form, async (ctx) => {
      const { account, result } = await runUserAction(deps, ctx, actorOfAdmin(ctx.state.admin as AdminUser), String(ctx.params.id), name);
      redirectWithNotice(ctx, `/admin/users/${encodeURIComponent(account.id)}`, result.notice as never);
    });
  }
}
