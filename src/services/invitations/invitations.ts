import { randomBytes, randomUUID } from 'node:crypto';
import type { Store } from '../../store/port.ts';
import type { AccountService } from '../accounts.ts';
import type { SiteDirectory } from '../sites.ts';
import type { Mailer } from '../mail/mailer.ts';
import {
  emailClaimKey, hashToken, invitationEndKey, invitationKey, invitationOpenedKey, recordOf, siteInvitationsKey, tokenKey, viewOf,
  type Invitation, type InvitationEnd, type InvitationRole, type InvitationView,
} from './invitation-model.ts';
import { createRedemption } from './redeem.ts';

export interface InviteInput {
  siteId: string;
  email: string;
  name?: string;
  role: InvitationRole;
  groups: string[];
  /** Validity in days; the site's signUp.invitationDays when left out. */
  days?: number;
}

export type InviteRefusal = 'already_member' | 'already_invited' | 'unknown_site';
export type CheckOutcome = { status: 'ok'; invitation: InvitationView } | { status: 'invalid' | 'expired' | 'used'; invitation?: InvitationView };

/** The token's tail after the hash is looked up: kept a while past expiry so a late click hears "expired", not "invalid". */
const TOKEN_GRACE_SECONDS = 30 * 86_400;
const DAY_SECONDS = 86_400;

/**
 * Invitations: an admin invites an address to a site; admit mails a
 * single-use link (256 random bits, stored only as a hash) that expires.
 * Redeeming it (redeem.ts) binds the directory identity the invitee signs in
 * with to a new account.
 */
export function createInvitationService(deps: { store: Store; accounts: AccountService; sites: SiteDirectory; mailer: Mailer; issuer: string }) {
  const { store } = deps;

  async function get(id: string): Promise<InvitationView | undefined> {
    const [raw, end, opened] = await store.getMany([invitationKey(id), invitationEndKey(id), invitationOpenedKey(id)]);
    return viewOf(raw, end, opened);
  }

  async function list(siteIds: string[]): Promise<InvitationView[]> {
    const ids = (await Promise.all(siteIds.map((siteId) => store.setMembers(siteInvitationsKey(siteId))))).flat();
    const views = await Promise.all(ids.map(get));
    return views.filter((view): view is InvitationView => view !== undefined).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** Why this address cannot be invited to the site now, if it cannot. */
  async function refusalFor(siteId: string, email: string): Promise<InviteRefusal | undefined> {
    if (!deps.sites.get(siteId)) return 'unknown_site';
    if ((await deps.accounts.findByEmail(siteId, email)).some((account) => account.status !== 'denied')) return 'already_member';
    const claimed = await store.get(emailClaimKey(siteId, email));
    const open = claimed === undefined ? undefined : await get(claimed);
    if (open && (open.status === 'sent' || open.status === 'opened' || open.status === 'not_sent')) return 'already_invited';
    return undefined;
  }

  /** A new link for the invitation; the previous one stops working. */
  async function issueToken(invitation: Invitation): Promise<{ token: string; invitation: Invitation }> {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + invitation.days * DAY_SECONDS * 1000).toISOString();
    const next: Invitation = { ...invitation, tokenHash: hashToken(token), expiresAt };
    await Promise.all([
      store.set(tokenKey(next.tokenHash), next.id, { ttlSeconds: invitation.days * DAY_SECONDS + TOKEN_GRACE_SECONDS }),
      store.delete(invitationOpenedKey(next.id)),
    ]);
    return { token, invitation: next };
  }

  /** Mails the link and records whether it went out. */
  async function send(invitation: Invitation, token: string, invitedBy: string): Promise<Invitation> {
    const site = deps.sites.get(invitation.siteId);
    const kind = site?.connector.kind ?? 'local';
    try {
      await deps.mailer.send({
        to: invitation.email,
        template: 'invitation',
        data: {
          name: invitation.name ?? '',
          siteId: invitation.siteId,
          siteName: site?.config.displayName ?? invitation.siteId,
          link: `${deps.issuer}/invite?token=${token}`,
          expires: `${invitation.expiresAt.slice(0, 16).replace('T', ' ')} UTC`,
          invitedBy,
          directoryLabel: kind === 'local' ? 'a user name and password you choose' : kind === 'entra' ? 'Microsoft account' : 'organisation\'s directory account',
        },
      });
      return { ...invitation, sentAt: new Date().toISOString(), sendError: undefined, sends: invitation.sends + 1 };
    } catch (error) {
      return { ...invitation, sendError: (error as Error).message.slice(0, 200) };
    }
  }

  async function invite(input: InviteInput, actor: { id: string; label: string }): Promise<{ status: 'ok'; invitation: InvitationView } | { status: 'refused'; reason: InviteRefusal }> {
    const email = input.email.trim().toLowerCase();
    const refusal = await refusalFor(input.siteId, email);
    if (refusal) return { status: 'refused', reason: refusal };
    const site = deps.sites.get(input.siteId)!;
    const draft: Invitation = {
      id: randomUUID(), siteId: input.siteId, email, name: input.name?.trim() || undefined, role: input.role,
      groups: [...new Set(input.groups)], tokenHash: '', days: input.days ?? site.config.signUp.invitationDays,
      createdAt: new Date().toISOString(), createdBy: actor.id, expiresAt: '', sends: 0,
    };
    // One open invitation per address and site, even when two admins invite at once.
    const claim = emailClaimKey(input.siteId, email);
    if (!(await store.setIfAbsent(claim, draft.id))) {
      const holder = await get((await store.get(claim)) ?? '');
      if (holder && ['sent', 'opened', 'not_sent'].includes(holder.status)) return { status: 'refused', reason: 'already_invited' };
      await store.set(claim, draft.id);
    }
    const { token, invitation } = await issueToken(draft);
    await Promise.all([store.set(invitationKey(invitation.id), JSON.stringify(invitation)), store.addToSet(siteInvitationsKey(invitation.siteId), invitation.id)]);
    const sent = await send(invitation, token, actor.label);
    await store.set(invitationKey(sent.id), JSON.stringify(sent));
    return { status: 'ok', invitation: (await get(sent.id))! };
  }

  /** A new link by email; the old link is dead from now on. */
  async function resend(id: string, actor: { label: string }): Promise<{ status: 'ok'; invitation: InvitationView } | { status: 'refused'; reason: 'final' | 'not_found' }> {
    const current = await get(id);
    if (!current) return { status: 'refused', reason: 'not_found' };
    if (current.end) return { status: 'refused', reason: 'final' };
    const { token, invitation } = await issueToken(recordOf(current));
    await store.delete(tokenKey(current.tokenHash));
    const sent = await send(invitation, token, actor.label);
    await store.set(invitationKey(id), JSON.stringify(sent));
    return { status: 'ok', invitation: (await get(id))! };
  }

  async function revoke(id: string, actor: { id: string }): Promise<'ok' | 'final' | 'not_found'> {
    const current = await get(id);
    if (!current) return 'not_found';
    const end: InvitationEnd = { outcome: 'revoked', at: new Date().toISOString(), by: actor.id };
    if (!(await store.setIfAbsent(invitationEndKey(id), JSON.stringify(end)))) return 'final';
    await store.delete(tokenKey(current.tokenHash));
    return 'ok';
  }

  /** What a link stands for, without using it up. */
  async function check(token: string): Promise<CheckOutcome> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return { status: 'invalid' };
    const hash = hashToken(token);
    const id = await store.get(tokenKey(hash));
    const invitation = id === undefined ? undefined : await get(id);
    // A resent invitation has a new hash: the old token finds the record but not a match.
    if (!invitation || invitation.tokenHash !== hash || invitation.status === 'revoked') return { status: 'invalid' };
    if (invitation.status === 'redeemed') return { status: 'used', invitation };
    if (invitation.status === 'expired') return { status: 'expired', invitation };
    return { status: 'ok', invitation };
  }

  /** The landing page was shown (status "opened"); a mail scanner's fetch counts too, but uses nothing up. */
  async function markOpened(invitation: InvitationView): Promise<void> {
    if (invitation.openedAt) return;
    await store.setIfAbsent(invitationOpenedKey(invitation.id), new Date().toISOString(), { ttlSeconds: invitation.days * DAY_SECONDS + TOKEN_GRACE_SECONDS });
  }

  const redemption = createRedemption({ store, accounts: deps.accounts, check });

  return { invite, refusalFor, list, get, resend, revoke, check, markOpened, redeem: redemption.redeem };
}

export type InvitationService = ReturnType<typeof createInvitationService>;
