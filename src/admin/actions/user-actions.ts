import type { Context } from 'koa';
import { AppError } from '../../errors/app-error.ts';
import type { Account } from '../../services/accounts.ts';
import { mayActOn } from '../role-order.ts';
import { type ActionActor, type ActionDeps, auditAction } from './actor.ts';

/** What an action did: its audited outcome and detail, and the console's notice for it. */
export interface UserActionResult {
  outcome: string;
  notice: string;
  detail?: Record<string, string | number | boolean>;
}

type UserAction = (deps: ActionDeps, ctx: Context | undefined, account: Account) => Promise<UserActionResult>;

/** The account, if this actor may see it; an account of another site is "not found". */
export async function visibleAccount(deps: Pick<ActionDeps, 'accounts'>, actor: ActionActor, id: string): Promise<Account> {
  const account = await deps.accounts.find(id);
  if (!account) throw new AppError('not_found', 404);
  const verdict = mayActOn(actor, account);
  if (!verdict.ok && verdict.status === 404) throw new AppError('not_found', 404);
  return account;
}

const utcNow = () => `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * What an admin (or an API client) can do to an account, the one owner of
 * each: the console's buttons and the management API call these.
 */
const actions = {
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
} satisfies Record<string, UserAction>;

export type UserActionName = keyof typeof actions;
export const USER_ACTION_NAMES = Object.keys(actions) as UserActionName[];

/**
 * Runs one action on an account: the role order first (another site's
 * account is "not found"; a refusal is audited, answered 403 with its
 * message and changes nothing), then the action, audited with its outcome.
 */
export async function runUserAction(
  deps: ActionDeps,
  ctx: Context | undefined,
  actor: ActionActor,
  accountId: string,
  name: UserActionName,
): Promise<{ account: Account; result: UserActionResult }> {
  const account = await visibleAccount(deps, actor, accountId);
  const event = { action: `admin.user.${name}`, site: account.siteId, username: account.username, accountId: account.id };
  const verdict = mayActOn(actor, account);
  if (!verdict.ok) {
    auditAction(deps, ctx, actor, { ...event, outcome: 'refused', detail: { reason: verdict.reason } });
    throw new AppError(verdict.code, verdict.status);
  }
  const result: UserActionResult = await actions[name](deps, ctx, account);
  auditAction(deps, ctx, actor, { ...event, outcome: result.outcome, detail: result.detail });
  return { account, result };
}
