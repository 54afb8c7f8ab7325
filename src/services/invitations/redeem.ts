import type { DirectoryIdentity } from '../../kit/connector.ts';
import type { Store } from '../../store/port.ts';
import type { Account, AccountService } from '../accounts.ts';
import { type CheckOutcome, emailClaimKey, type InvitationEnd, type InvitationView, invitationEndKey } from './invitation-model.ts';

export interface RedeemInput {
  siteId: string;
  directoryKind: string;
  /** Who the site's directory (or Microsoft, for Entra sites) says signed in. */
  identity: DirectoryIdentity;
  /** The person chose the password a moment ago (a local site's invitation): the first sign-in has none to change. */
  passwordChosen?: boolean;
}

export type RedeemOutcome = { status: 'ok'; account: Account; invitation: InvitationView } | { status: 'invalid' | 'expired' | 'used' | 'email_mismatch' };

/**
 * Redeeming: the invitee proved a directory identity; bind it to a new account
 * with the invitation's grants. The invitation's end is written with
 * setIfAbsent before anything else, so of parallel redemptions exactly one
 * goes on (and a revocation racing it loses or wins as a whole).
 */
export function createRedemption(deps: { store: Store; accounts: AccountService; check(token: string): Promise<CheckOutcome> }) {
  const { store, accounts } = deps;

  /** The same person pressing twice gets the account the first press made, not an error. */
  async function sameIdentityAgain(input: RedeemInput, invitation: InvitationView | undefined): Promise<RedeemOutcome> {
    const linked = await accounts.findLinked(input.siteId, input.directoryKind, input.identity.externalId);
    if (invitation && linked && invitation.end?.accountId === linked.id) return { status: 'ok', account: linked, invitation };
    return { status: 'used' };
  }

  /**
   * Redeems for an identity proved already (a directory sign-in), or for one
   * made only once the invitation is held (`makeIdentity`: the local
   * directory's new user, so a lost race leaves no user behind).
   */
  async function redeem(token: string, input: RedeemInput | ((invitation: InvitationView) => Promise<RedeemInput>)): Promise<RedeemOutcome> {
    const known = typeof input === 'function' ? undefined : input;
    const checked = await deps.check(token);
    if (checked.status === 'used' && known) return sameIdentityAgain(known, checked.invitation);
    if (checked.status !== 'ok') return { status: checked.status };
    const { invitation } = checked;
    if (known && mismatch(invitation, known)) return mismatch(invitation, known)!;

    const endKey = invitationEndKey(invitation.id);
    const claimed: InvitationEnd = { outcome: 'redeemed', at: new Date().toISOString() };
    if (!(await store.setIfAbsent(endKey, JSON.stringify(claimed)))) {
      return known ? sameIdentityAgain(known, await refreshed(invitation)) : { status: 'used' };
    }
    try {
      const proved = known ?? (await (input as (invitation: InvitationView) => Promise<RedeemInput>)(invitation));
      const refusal = mismatch(invitation, proved);
      if (refusal) {
        await store.delete(endKey);
        return refusal;
      }
      const account = await bind(invitation, proved);
      const end: InvitationEnd = { ...claimed, accountId: account.id };
      await store.set(endKey, JSON.stringify(end));
      // The token stays (until its own expiry) so a second click hears "already used", not "not valid".
      await store.delete(emailClaimKey(invitation.siteId, invitation.email));
      return { status: 'ok', account, invitation: { ...invitation, status: 'redeemed', end } };
    } catch (error) {
      // Nothing was bound (a taken user name, an outage): give the invitation back so the link can be tried again.
      await store.delete(endKey);
      throw error;
    }
  }

  /** The invitation is for one site, and the link proves one mailbox: a directory naming another address is another person. */
  function mismatch(invitation: InvitationView, input: RedeemInput): RedeemOutcome | undefined {
    if (invitation.siteId !== input.siteId) return { status: 'invalid' };
    const directoryEmail = input.identity.email?.trim().toLowerCase();
    return directoryEmail && directoryEmail !== invitation.email ? { status: 'email_mismatch' } : undefined;
  }

  async function refreshed(invitation: InvitationView): Promise<InvitationView | undefined> {
    const raw = await store.get(invitationEndKey(invitation.id));
    return raw === undefined ? undefined : { ...invitation, end: JSON.parse(raw) as InvitationEnd };
  }

  async function bind(invitation: InvitationView, input: RedeemInput): Promise<Account> {
    const adminSites = invitation.role === 'site-admin' ? [invitation.siteId] : undefined;
    const existing = await accounts.findLinked(input.siteId, input.directoryKind, input.identity.externalId);
    if (!existing) {
      return accounts.linkOrCreate(input.siteId, input.directoryKind, input.identity, {
        status: 'active',
        name: input.identity.name ?? invitation.name,
        email: input.identity.email ?? invitation.email,
        emailVerified: true,
        grantedGroups: invitation.groups,
        adminSites,
        passwordChangedAt: input.passwordChosen ? new Date().toISOString() : undefined,
      });
    }
    // Already known (an open site, an earlier request): the invitation adds its grants and lets a
    // waiting or refused person in; an account an admin disabled stays disabled.
    const updated: Account = {
      ...existing,
      status: existing.status === 'disabled' ? 'disabled' : 'active',
      grantedGroups: [...new Set([...(existing.grantedGroups ?? []), ...invitation.groups])],
      groups: [...new Set([...existing.groups, ...invitation.groups])],
      adminSites: adminSites ? [...new Set([...(existing.adminSites ?? []), ...adminSites])] : existing.adminSites,
    };
    await accounts.save(updated);
    return updated;
  }

  return { redeem };
}
