import { randomBytes } from 'node:crypto';
import { checkUsername, type PasswordConnector, type PasswordOutcome, type PasswordWriteOutcome } from '../../src/kit/index.ts';
import type { DirectoryEntry } from './directory-entry.ts';
import { findUser, hasPpolicyLock, hasPpolicyReset, MAX_USERNAME_LENGTH, toIdentity } from './directory-user.ts';
import { boundState, failedBindState, isUnreachable, unavailable } from './errors.ts';
import { bindWithFailover, createServerList } from './failover.ts';
import { resolveGroups } from './groups.ts';
import { changePassword, resetPassword, unlock, type WriteContext } from './password-write.ts';
import { createServicePool } from './pool.ts';
import { PasswordPolicyControl } from './ppolicy-control.ts';
import { parseLdapSettings } from './settings.ts';
import { tlsOptionsFor } from './tls-options.ts';

/** Longer passwords are refused unsent: no directory stores them, and they only cost the server. */
const MAX_PASSWORD_LENGTH = 1024;

/**
 * The LDAP / Active Directory connector of one site. `input` is the site's
 * `directory` block; it is validated here and a problem throws an Error that
 * names the option path ("directory.userBase: Required").
 */
export function createLdapConnector(input: unknown): PasswordConnector {
  const settings = parseLdapSettings(input);
  const tlsByUrl = new Map(settings.urls.map((url) => [url, tlsOptionsFor(url, settings)]));
  const servers = createServerList(settings.urls);
  const optionsFor = (url: string) => ({
    url,
    startTls: settings.startTls,
    tlsOptions: tlsByUrl.get(url) ?? {},
    connectTimeoutMs: settings.connectTimeoutMs,
    timeoutMs: settings.timeoutMs,
  });
  const pool = createServicePool({
    size: settings.poolSize,
    acquireTimeoutMs: settings.timeoutMs,
    open: () => bindWithFailover(servers, optionsFor, { dn: settings.bindDn, password: settings.bindPassword }),
  });
  const ctx: WriteContext = {
    settings,
    asService: (work) => pool.use(work),
    // Every user bind gets a connection of its own: a pooled one would stop being the service account.
    asUser: (dn, password, control) =>
      bindWithFailover(servers, optionsFor, { dn, password, controls: settings.flavor === 'openldap' ? [control] : undefined }),
  };

  /** The user's entry; undefined when there is none (or more than one); throws when the directory fails. */
  // Searched under the canonical user-name key (kit/username.ts), as every lookup in admit is:
  // `ｂob` finds bob on a server whose matching rule does not map widths (AD) as on one that does.
  const lookUp = (username: string): Promise<DirectoryEntry | undefined> => {
    const checked = checkUsername(username);
    return pool.use((session) => findUser(session, settings, checked.ok ? checked.key : username));
  };

  const usable = (username: string) => username.trim() !== '' && username.length <= MAX_USERNAME_LENGTH;

  async function verifyPassword({ username, password }: { username: string; password: string }): Promise<PasswordOutcome> {
    // An empty password is an anonymous bind on some servers: it "succeeds" for anyone.
    if (!password || password.length > MAX_PASSWORD_LENGTH || !usable(username)) return { status: 'invalid' };
    let user: DirectoryEntry | undefined;
    try {
      user = await lookUp(username);
    } catch (error) {
      return unavailable(error); // the service account's failure is never the user's
    }
    if (!user) return decoyBind();
    const checked = await checkPassword(user, password);
    if (checked.status !== 'ok' && checked.status !== 'password_expired') return checked;
    const found = user;
    try {
      const groups = await pool.use((session) => resolveGroups(session, settings, found, username));
      return { status: checked.status, identity: toIdentity(found, settings, { username, groups }) };
    } catch (error) {
      // An expired password is still the answer; only a full sign-in needs the identity.
      return checked.status === 'ok' ? unavailable(error) : { status: 'password_expired' };
    }
  }

  /**
   * Binds as the user. 'password_expired' here always means the password was
   * right: AD and ppolicy tell the expiry only to whoever proved it.
   */
  async function checkPassword(user: DirectoryEntry, password: string): Promise<{ status: 'ok' } | Exclude<PasswordOutcome, { status: 'ok' }>> {
    const control = new PasswordPolicyControl();
    try {
      const session = await ctx.asUser(user.dn, password, control);
      await session.close();
    } catch (error) {
      if (isUnreachable(error)) return unavailable(error);
      return { status: failedBindState(error, { flavor: settings.flavor, control, lockedAttribute: hasPpolicyLock(user) }) };
    }
    if (settings.flavor === 'ad') return { status: 'ok' };
    return { status: boundState({ control, resetAttribute: hasPpolicyReset(user) }) };
  }

  /**
   * An unknown user name costs what a wrong password costs: the same search,
   * then a user bind on a connection of its own, answered by the directory.
   * With `decoyDn` the bind goes to a real entry with a random password, so
   * the server also does a real failure's work (find the entry, check the
   * password, record the failure: 1.7 of 3.5 ms against OpenLDAP's ppolicy).
   * Without it, to a random DN under the user base that cannot exist: the
   * same operations, but the server refuses it without that work.
   */
  async function decoyBind(): Promise<PasswordOutcome> {
    const dn = settings.decoyDn ?? `cn=admit-decoy-${randomBytes(12).toString('hex')},${settings.userBase}`;
    try {
      // A random password: what the person typed never goes to an entry that is not theirs.
      const session = await ctx.asUser(dn, randomBytes(18).toString('base64url'), new PasswordPolicyControl());
      await session.close(); // never expected: nobody knows the password
    } catch (error) {
      if (isUnreachable(error)) return unavailable(error);
    }
    return { status: 'invalid' };
  }

  /** Finds the user, then runs a write; lookup failures become not_found / unavailable. */
  async function withUser<T extends { status: string }>(
    username: string,
    write: (dn: string) => Promise<T>,
  ): Promise<T | { status: 'not_found' } | ReturnType<typeof unavailable>> {
    if (!usable(username)) return { status: 'not_found' };
    try {
      const user = await lookUp(username);
      return user ? await write(user.dn) : { status: 'not_found' };
    } catch (error) {
      return unavailable(error);
    }
  }

  const missingNew: PasswordWriteOutcome = { status: 'refused', reason: 'Enter a new password.' };

  return {
    kind: 'ldap',
    verifyPassword,
    async changePassword({ username, oldPassword, newPassword }) {
      if (!oldPassword) return { status: 'invalid_old_password' };
      if (!newPassword) return missingNew;
      return withUser(username, (dn) => changePassword(ctx, dn, oldPassword, newPassword));
    },
    async resetPassword({ username, newPassword }) {
      if (!newPassword) return missingNew;
      return withUser(username, (dn) => resetPassword(ctx, dn, newPassword));
    },
    unlock: ({ username }) => withUser(username, (dn) => unlock(ctx, dn)),
    async health() {
      try {
        await pool.use((session) => session.search('', { scope: 'base', filter: '(objectClass=*)', attributes: ['1.1'] }));
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: unavailable(error).reason };
      }
    },
    close: () => pool.close(),
  };
}
