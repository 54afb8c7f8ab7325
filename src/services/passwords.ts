import type { Context } from 'koa';
import type { PasswordWriteOutcome } from '../kit/connector.ts';
import { hashPassword } from '../kit/password-hash.ts';
import type { AccountService } from './accounts.ts';
import type { AuditLog } from './audit/audit-log.ts';
import type { Mailer } from './mail/mailer.ts';
import { createCommonPasswordList } from './password-policy/common-passwords.ts';
import { createPasswordPolicy, type PolicyRule } from './password-policy/policy.ts';
import type { SiteDirectory } from './sites.ts';

export type PasswordChangeResult =
  | { status: 'ok' }
  | { status: 'mismatch' }
  | { status: 'policy'; failures: PolicyRule[] }
  | { status: 'invalid_old_password' }
  | { status: 'refused'; reason: string }
  | { status: 'unsupported' }
  | { status: 'unavailable' };

export interface PasswordChange {
  siteId: string;
  username: string;
  /** The admit account, when known (history is kept there). */
  accountId?: string;
  oldPassword: string;
  newPassword: string;
  confirmPassword: string;
}

/** What a password write ends besides the old password (see endAfterWrite). */
export interface PasswordWriteEnds {
  /** The account's sessions and grants except this browser's session (services/sessions.ts). */
  signOutOthers(ctx: Context | undefined, accountId: string): Promise<number>;
  /** Every "Trust this browser" of the account. */
  revokeTrustedBrowsers(accountId: string): Promise<unknown>;
}

/**
 * Changing a password, the one path every page uses: the site's policy is
 * checked first (nothing is written to a directory that admit's policy
 * refuses), then the directory writes it, then admit records the history,
 * ends what the old password opened, and tells the user by email.
 */
export function createPasswordService(deps: {
  sites: SiteDirectory;
  accounts: AccountService;
  audit: AuditLog;
  mailer: Mailer;
  /** Late-bound: the session service needs the provider, which needs the sign-in's password step (built from this service). */
  ends: () => PasswordWriteEnds;
}) {
  const commonPasswords = createCommonPasswordList();
  const policies = new Map(deps.sites.all().map(({ config }) => [config.id, createPasswordPolicy(config.passwordPolicy, { commonPasswords })]));
  const policyOf = (siteId: string) => {
    const policy = policies.get(siteId);
    if (!policy) throw new Error(`no site ${siteId}`);
    return policy;
  };

  async function change(ctx: Context, request: PasswordChange): Promise<PasswordChangeResult> {
    const site = deps.sites.get(request.siteId);
    if (!site?.connector.changePassword) return { status: 'unsupported' };
    return write(ctx, 'password_change', request, (newPassword) =>
      site.connector.changePassword!({ username: request.username, oldPassword: request.oldPassword, newPassword }),
    );
  }

  /**
   * A reset after the user proved a second factor (forgotten password): no
   * old password, the directory's administrative write, the same policy.
   */
  async function reset(ctx: Context, request: Omit<PasswordChange, 'oldPassword'>): Promise<PasswordChangeResult> {
    const site = deps.sites.get(request.siteId);
    if (!site?.connector.resetPassword) return { status: 'unsupported' };
    return write(ctx, 'password_reset', { ...request, oldPassword: '' }, (newPassword) =>
      site.connector.resetPassword!({ username: request.username, newPassword }),
    );
  }

  /** The one order every path follows: confirmation, policy, directory write, then admit's records. */
  async function write(
    ctx: Context,
    action: string,
    request: PasswordChange,
    writeToDirectory: (newPassword: string) => Promise<PasswordWriteOutcome>,
  ): Promise<PasswordChangeResult> {
    if (request.newPassword !== request.confirmPassword) return { status: 'mismatch' };
    const account = request.accountId ? await deps.accounts.find(request.accountId) : undefined;
    const check = await policyOf(request.siteId).check(request.newPassword, {
      username: request.username,
      oldPassword: request.oldPassword || undefined,
      historyHashes: account?.passwordHistory,
    });
    if (!check.ok) return { status: 'policy', failures: check.failures };

    const written = await writeToDirectory(request.newPassword.normalize('NFC'));
    deps.audit.record(ctx, { action, outcome: written.status, site: request.siteId, username: request.username, accountId: account?.id });
    switch (written.status) {
      case 'ok':
        if (account) await recordChange(account.id, request.newPassword, ctx);
        return { status: 'ok' };
      case 'invalid_old_password':
      case 'refused':
        return written;
      case 'not_found':
        return { status: 'invalid_old_password' };
      case 'unavailable':
        return { status: 'unavailable' };
    }
  }

  /**
   * The one rule for what a password write ends, whichever page wrote it
   * (portal change, reset, the sign-in's first-sign-in and expiry change):
   * every other session of the account and the refresh tokens of its grants,
   * and every trusted browser. The session of the browser that made the
   * change stays, when it is this account's: the person who just proved the
   * password keeps working there (and a sign-in in progress keeps the session
   * its interaction started with).
   */
  async function endAfterWrite(ctx: Context | undefined, account: { id: string; siteId: string; username: string }): Promise<void> {
    const ends = deps.ends();
    const [sessions, trustedBrowsers] = await Promise.all([ends.signOutOthers(ctx, account.id), ends.revokeTrustedBrowsers(account.id)]);
    deps.audit.record(ctx, {
      action: 'password_write_sign_out',
      outcome: 'ok',
      site: account.siteId,
      username: account.username,
      accountId: account.id,
      detail: { otherSessionsEnded: sessions, ...(typeof trustedBrowsers === 'number' ? { trustedBrowsersRevoked: trustedBrowsers } : {}) },
    });
  }

  /**
   * History, flags, what the write ends (endAfterWrite) and the email after a
   * password was set for this account. `ctx` is the request that wrote it:
   * without it no session is kept.
   */
  async function recordChange(accountId: string, newPassword: string, ctx?: Context): Promise<void> {
    const account = await deps.accounts.find(accountId);
    if (!account) return;
    const site = deps.sites.get(account.siteId);
    const keep = site?.config.passwordPolicy.historyCount ?? 0;
    const history = keep > 0 ? [await hashPassword(newPassword.normalize('NFC')), ...(account.passwordHistory ?? [])].slice(0, keep) : [];
    const changedAt = new Date();
    await deps.accounts.save({ ...account, passwordHistory: history, passwordChangeRequired: false, passwordChangedAt: changedAt.toISOString() });
    await endAfterWrite(ctx, account);
    if (account.email) {
      await deps.mailer.notify({
        to: account.email,
        template: 'password-changed',
        locale: account.locale,
        data: {
          name: account.name ?? account.username,
          username: account.username,
          site: account.siteId,
          when: changedAt.toISOString(),
        },
      });
    }
  }

  return {
    /** The rules to show before the user types, for the site. */
    rulesFor: (siteId: string) => policyOf(siteId).rules(),
    change,
    reset,
    recordChange,
  };
}

export type PasswordService = ReturnType<typeof createPasswordService>;
