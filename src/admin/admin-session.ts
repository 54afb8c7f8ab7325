import { createHash, randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { clearCookie, setCookie } from '../lib/cookies.ts';
import type { Account, AccountService } from '../services/accounts.ts';
import { type Store, storeKey } from '../store/port.ts';
import { roleOf } from './role-order.ts';

const COOKIE = 'admit.admin';

interface StoredSession {
  accountId: string;
  acr?: string;
  amr: string[];
  /** The console client's grant the sign-in's code was issued under (sessions made before it was kept have none). */
  grantId?: string;
  createdAt: number;
  /** Epoch ms after which the session ends whatever the activity. */
  until: number;
}

/** Who is using the console: an active account with an admin role. */
export interface AdminUser {
  account: Account;
  /** Every site (global admin) or the named ones. */
  allSites: boolean;
  sites: string[];
  /** How audit entries name this admin. */
  label: string;
  acr?: string;
  /** The grant behind the console session: when it is revoked (a replayed code, a sign-out everywhere) the session ends. */
  grantId?: string;
}

export function adminUserOf(account: Account, allSiteIds: string[], acr?: string): AdminUser | undefined {
  const role = roleOf(account);
  if (account.status !== 'active' || role.kind === 'user') return undefined;
  const allSites = role.kind === 'global';
  return {
    account,
    allSites,
    sites: role.kind === 'global' ? allSiteIds : allSiteIds.filter((id) => role.sites.includes(id)),
    label: `${account.username}@${account.siteId}`,
    acr,
  };
}

/** A site admin acts only in their sites; the answer for another site is "not found", never "forbidden". */
export const canAdminister = (admin: AdminUser, siteId: string) => admin.sites.includes(siteId);

/**
 * The console's own session: a random id in a signed, HttpOnly cookie
 * scoped to /admin, stored only as a hash, with an idle and an absolute
 * limit. Each request re-reads the account, so a disabled account or a
 * removed role ends the session at once.
 */
export function createAdminSessions(deps: { store: Store; accounts: AccountService; allSiteIds: () => string[]; sessionMinutes: number; idleMinutes: number }) {
  const key = (id: string) => storeKey('admin-session', createHash('sha256').update(id).digest('base64url'));

  async function create(ctx: Context, signedIn: { accountId: string; acr?: string; amr: string[]; grantId?: string }): Promise<void> {
    const id = randomBytes(32).toString('base64url');
    const now = Date.now();
    const session: StoredSession = {
      accountId: signedIn.accountId,
      acr: signedIn.acr,
      amr: signedIn.amr,
      grantId: signedIn.grantId,
      createdAt: now,
      until: now + deps.sessionMinutes * 60_000,
    };
    await deps.store.set(key(id), JSON.stringify(session), { ttlSeconds: Math.min(deps.idleMinutes, deps.sessionMinutes) * 60 });
    setCookie(ctx, COOKIE, id, { path: '/admin' });
  }

  async function current(ctx: Context): Promise<AdminUser | undefined> {
    const id = ctx.cookies.get(COOKIE, { signed: true });
    if (!id) return undefined;
    const raw = await deps.store.get(key(id));
    if (raw === undefined) return undefined;
    const session = JSON.parse(raw) as StoredSession;
    const remaining = session.until - Date.now();
    if (remaining <= 0) return undefined;
    const account = await deps.accounts.find(session.accountId);
    const admin = account && adminUserOf(account, deps.allSiteIds(), session.acr);
    if (!admin) return undefined;
    admin.grantId = session.grantId;
    // Sliding idle limit, never past the absolute one.
    await deps.store.set(key(id), raw, { ttlSeconds: Math.max(1, Math.min(deps.idleMinutes * 60, Math.floor(remaining / 1000))) });
    return admin;
  }

  async function end(ctx: Context): Promise<void> {
    const id = ctx.cookies.get(COOKIE, { signed: true });
    if (id) await deps.store.delete(key(id));
    clearCookie(ctx, COOKIE, { path: '/admin' });
  }

  return { create, current, end };
}

export type AdminSessions = ReturnType<typeof createAdminSessions>;
