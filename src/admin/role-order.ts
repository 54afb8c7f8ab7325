import type { MessageCode } from '../errors/messages.ts';
import type { Account } from '../services/accounts.ts';

/**
 * The role an account holds, read from how roles are stored (`adminSites`:
 * `['*']` for every site, site ids otherwise, empty for none). The order is
 * global admin > site admin > user; a site admin's reach is their sites.
 */
export type Role = { kind: 'global' } | { kind: 'site'; sites: string[] } | { kind: 'user' };

export function roleOf(account: Pick<Account, 'adminSites'>): Role {
  const granted = account.adminSites ?? [];
  if (granted.includes('*')) return { kind: 'global' };
  if (granted.length > 0) return { kind: 'site', sites: [...granted] };
  return { kind: 'user' };
}

export function describeRole(role: Role): string {
  return role.kind === 'global' ? 'global admin (every site)' : role.kind === 'site' ? `site admin of ${role.sites.join(', ')}` : 'user';
}

/** Who is acting: their account and the sites they administer (every site for a global admin). */
export interface Actor {
  account: Pick<Account, 'id'>;
  allSites: boolean;
  sites: string[];
}

export type Verdict = { ok: true } | { ok: false; status: 403 | 404; code: MessageCode; reason: 'other_site' | 'own_account' | 'wider_role' };

/** True when the actor's role reaches at least as far as the target's: no target is wider than a global admin; a site admin reaches users and the admins of no more than their own sites. */
function reaches(actor: Actor, target: Role): boolean {
  if (actor.allSites) return true;
  if (target.kind === 'global') return false;
  if (target.kind === 'site') return target.sites.every((site) => actor.sites.includes(site));
  return true;
}

/**
 * The one rule for who may act on whom, checked on the target before any
 * admin action changes anything:
 *  - an account outside the actor's sites is "not found" (404, as before: a
 *    site admin does not learn that another site's account exists);
 *  - the actor's own account is refused (no self-disable, self-sign-out or
 *    self-demotion from the console; the portal manages one's own account);
 *  - an admin whose role is wider than the actor's is refused (a site admin
 *    acts on no global admin, and on no admin of a site they do not administer).
 */
export function mayActOn(actor: Actor, target: Pick<Account, 'id' | 'siteId' | 'adminSites'>): Verdict {
  if (!actor.sites.includes(target.siteId)) return { ok: false, status: 404, code: 'not_found', reason: 'other_site' };
  if (target.id === actor.account.id) return { ok: false, status: 403, code: 'admin_own_account', reason: 'own_account' };
  if (!reaches(actor, roleOf(target))) return { ok: false, status: 403, code: 'admin_wider_role', reason: 'wider_role' };
  return { ok: true };
}
