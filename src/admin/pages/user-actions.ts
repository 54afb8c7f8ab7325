import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { AppError } from '../../errors/app-error.ts';
import type { Account } from '../../services/accounts.ts';
import { auditAdmin, redirectWithNotice } from '../admin-page.ts';
import type { AdminUser } from '../admin-session.ts';
import type { AdminDeps } from '../deps.ts';
import { mayActOn } from '../role-order.ts';

type Action = (
  deps: AdminDeps,
  ctx: Context,
  account: Account,
) => Promise<{ outcome: string; notice: string; detail?: Record<string, string | number | boolean> }>;

/** The account, if this admin may see it; an account of another site is "not found". */
export async function accountFor(deps: AdminDeps, ctx: Context): Promise<Account> {
  const account = await deps.accounts.find(String(ctx.params.id));
  if (!account) throw new AppError('not_found', 404);
  const verdict = mayActOn(ctx.state.admin as AdminUser, account);
  if (!verdict.ok && verdict.status === 404) throw new AppError('not_found', 404);
  return account;
}

/**
 * The account an action is about to change, once the role order allows it
 * (role-order.ts). A refusal is audited, answered 403 with its message, and
 * changes nothing.
 */
async function targetFor(deps: AdminDeps, ctx: Context, name: string): Promise<Account> {
  const account = await accountFor(deps, ctx);
  const verdict = mayActOn(ctx.state.admin as AdminUser, account);
  if (verdict.ok) return account;
  auditAdmin(deps, ctx, {
    action: `admin.user.${name}`,
    outcome: 'refused',
    site: account.siteId,
    username: account.username,
    accountId: account.id,
    detail: { reason: verdict.reason },
  });
  throw new AppError(verdict.code, verdict.status);
}

const utcNow = () => `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * What an admin can do to an account. Every action goes through targetFor
 * (the role order, on the target) first, and is audited with its outcome.
 */
const actions: Record<string, Action> = {
  async disable(deps, _ctx, account) {
    await deps.accounts.setStatus(account.id, 'disabled');
    const sessions = await deps.signOutEverywhere(account.id);
    return { outcome: 'ok', notice: 'disabled', detail: { sessionsEnded: sessions } };
  },
  async enable(deps, _ctx, account) {
    if (account.status !== 'disabled') return { outcome: 'not_disabled', notice: 'enabled' };
    await deps.accounts.setStatus(account.id, 'active');
    return { outcome: 'ok', notice: 'enabled' };
  },
  async unlock(deps, _ctx, account) {
    // admit's own lockout (what the sign-in counts, on the canonical user name), then the directory's, where it has one.
    await deps.lockout.unlockAccount(account);
    const connector = deps.sites.get(account.siteId)?.connector;
    const directory = connector?.unlock ? (await connector.unlock({ username: account.username })).status : 'not_supported';
    if (account.email) {
      await deps.mailer.notify({
        to: account.email,
        template: 'account-unlocked',
        data: { name: account.name ?? account.username, username: account.username, site: account.siteId, when: utcNow(), by: 'an administrator' },
      });
    }
    return { outcome: directory === 'unavailable' ? 'directory_unavailable' : 'ok', notice: 'unlocked', detail: { directory } };
  },
  async 'reset-mfa'(deps, ctx, account) {
    if (!deps.mfa) throw new AppError('not_found', 404);
    await deps.mfa.resetMfa(ctx, account.id);
    return { outcome: 'ok', notice: 'mfa_reset' };
  },
  async 'revoke-browsers'(deps, _ctx, account) {
    if (!deps.mfa) throw new AppError('not_found', 404);
    const revoked = await deps.mfa.revokeTrustedBrowsers(account.id);
    const detail: Record<string, number> = typeof revoked === 'number' ? { revoked } : {};
    return { outcome: 'ok', notice: 'browsers_revoked', detail };
  },
  async 'sign-out'(deps, _ctx, account) {
    const sessions = await deps.signOutEverywhere(account.id);
    return { outcome: 'ok', notice: 'signed_out', detail: { sessionsEnded: sessions } };
  },
};

export function userActionRoutes(router: Router, deps: AdminDeps, admin: Middleware, form: Middleware[]): void {
  for (const [name, run] of Object.entries(actions)) {
    router.post(`/users/:id/${name}`, admin, ...form, async (ctx) => {
      const account = await targetFor(deps, ctx, name);
      const result = await run(deps, ctx, account);
      auditAdmin(deps, ctx, {
        action: `admin.user.${name}`,
        outcome: result.outcome,
        site: account.siteId,
        username: account.username,
        accountId: account.id,
        detail: result.detail,
      });
      redirectWithNotice(ctx, `/admin/users/${encodeURIComponent(account.id)}`, result.notice as never);
    });
  }
}
