import { randomBytes, randomUUID } from 'node:crypto';
import type { Store } from '../../store/port.ts';
import type { AccountService } from '../accounts.ts';
import type { OutgoingMail } from '../mail/mailer.ts';
import type { Outbox } from '../outbox/outbox.ts';
import type { ChangeStep, OutboxInput } from '../outbox/outbox-model.ts';
import { decodeCursor, encodeCursor, mergedPage, type Page } from '../paging.ts';
import type { SiteDirectory } from '../sites.ts';
import {
  type CheckOutcome,
  emailClaimKey,
  emailClaimPendingKey,
  hashToken,
  type Invitation,
  type InvitationEnd,
  type InvitationRole,
  type InvitationView,
  invitationEndKey,
  invitationKey,
  invitationOpenedKey,
  OPEN_STATUSES,
  recordOf,
  siteInvitationIndexKey,
  siteInvitationsKey,
  siteInvitationsMigratedKey,
  tokenKey,
  viewOf,
} from './invitation-model.ts';

export type { CheckOutcome } from './invitation-model.ts';

import { createRedemption } from './redeem.ts';
import { signInWay } from './sign-in-way.ts';

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
export type InviteManyOutcome = { status: 'ok'; invitations: InvitationView[] } | { status: 'refused'; refusals: { index: number; reason: InviteRefusal }[] };

/** The token's tail after the hash is looked up: kept a while past expiry so a late click hears "expired", not "invalid". */
const TOKEN_GRACE_SECONDS = 30 * 86_400;
const DAY_SECONDS = 86_400;
/** How long a claim counts as "being written" when its invitation is not there yet. */
const CLAIM_PENDING_SECONDS = 30;
/** The console's page of invitations. */
export const INVITATIONS_PAGE = 50;
/** Legacy set members copied into the index per round trip. */
const MIGRATE_PAGE = 200;

/**
 * An invitation's score in its site's index: creation time in ms x 1000,
 * plus 999 less its place in its list, so newest first shows an import's
 * rows in the file's order and each row of one write has its own score.
 */
const scoreOf = (createdAt: string, place = 0) => Date.parse(createdAt) * 1000 + Math.max(0, 999 - place);

/**
 * Invitations: an admin invites an address to a site; admit mails a
 * single-use link (256 random bits, stored only as a hash) that expires.
 * Redeeming it (redeem.ts) binds the directory identity the invitee signs in
 * with to a new account.
 *
 * The email goes through the outbox, written in one atomic write with the
 * invitations it announces (a change of create-only steps: see outbox.ts),
 * so a list of 500 is stored whole with its 500 emails or not at all, and no
 * request waits for the SMTP server. Each email is sent only while its link
 * is live: a link revoked or replaced before delivery is not mailed.
 */
export function createInvitationService(deps: { store: Store; accounts: AccountService; sites: SiteDirectory; outbox: Outbox; issuer: string }) {
  const { store, outbox } = deps;

  async function get(id: string): Promise<InvitationView | undefined> {
    const [raw, end, opened] = await store.getMany([invitationKey(id), invitationEndKey(id), invitationOpenedKey(id)]);
    if (raw === undefined) return undefined;
    const { messageId } = JSON.parse(raw) as Invitation;
    const message = messageId ? await outbox.get(messageId) : undefined;
    return viewOf(raw, end, opened, message && { state: message.state, attempts: message.attempts, sentAt: message.sentAt, lastError: message.lastError });
  }

  /** Several invitations in a bounded number of round trips: one for the records, one for their emails' delivery. */
  async function getSeveral(ids: readonly string[]): Promise<InvitationView[]> {
    const raws = await store.getMany(ids.flatMap((id) => [invitationKey(id), invitationEndKey(id), invitationOpenedKey(id)]));
    const found = ids.flatMap((_, index) => {
      const raw = raws[index * 3];
      return raw === undefined ? [] : [{ raw, end: raws[index * 3 + 1], opened: raws[index * 3 + 2], messageId: (JSON.parse(raw) as Invitation).messageId }];
    });
    const withMessage = found.filter((row) => row.messageId !== undefined);
    const messages = new Map(
      (await outbox.getMany(withMessage.map((row) => row.messageId!))).flatMap((message) => (message ? [[message.id, message] as const] : [])),
    );
    return found.map(({ raw, end, opened, messageId }) => {
      const message = messageId === undefined ? undefined : messages.get(messageId);
      return viewOf(raw, end, opened, message && { state: message.state, attempts: message.attempts, sentAt: message.sentAt, lastError: message.lastError })!;
    });
  }

  /**
   * Copies a site's legacy set (invitations stored before the index) into
   * the index, once, a page of the set at a time (setScan: the set is never
   * read whole). Safe to run twice or in parallel: index adds are idempotent.
   * The set is left as it was (nothing writes or reads it any more).
   */
  async function migrate(siteId: string): Promise<void> {
    if ((await store.get(siteInvitationsMigratedKey(siteId))) !== undefined) return;
    let cursor: string | undefined;
    do {
      const page = await store.setScan(siteInvitationsKey(siteId), { cursor, count: MIGRATE_PAGE });
      const raws = await store.getMany(page.members.map(invitationKey));
      const ops = raws.flatMap((raw, index) =>
        raw === undefined
          ? []
          : [
              {
                op: 'indexAdd' as const,
                key: siteInvitationIndexKey(siteId),
                member: page.members[index]!,
                score: scoreOf((JSON.parse(raw) as Invitation).createdAt),
              },
            ],
      );
      if (ops.length) await store.writeAll(ops);
      cursor = page.cursor;
    } while (cursor !== undefined);
    await store.set(siteInvitationsMigratedKey(siteId), new Date().toISOString());
  }

  /**
   * One page of the sites' invitations, newest first, with each one's
   * status: at most a page per site's index, merged by creation time.
   * `cursor` is the `next` of the page before; a malformed one is a CursorError.
   */
  async function list(siteIds: readonly string[], options: { cursor?: string; limit?: number } = {}): Promise<Page<InvitationView>> {
    const after = decodeCursor(options.cursor);
    await Promise.all(siteIds.map(migrate));
    const { entries, next } = await mergedPage(store, siteIds.map(siteInvitationIndexKey), { after, limit: options.limit ?? INVITATIONS_PAGE, reverse: true });
    return { items: await getSeveral(entries.map((entry) => entry.member)), next: next && encodeCursor(next) };
  }

  /** How many invitations the sites have (every status), counted by their indexes. */
  async function count(siteIds: readonly string[]): Promise<number> {
    await Promise.all(siteIds.map(migrate));
    return (await Promise.all(siteIds.map((siteId) => store.indexCount(siteInvitationIndexKey(siteId))))).reduce((sum, n) => sum + n, 0);
  }

  /** Why each address cannot be invited to the site now (undefined: it can). */
  async function refusalsFor(siteId: string, emails: readonly string[]): Promise<(InviteRefusal | undefined)[]> {
    if (!deps.sites.get(siteId)) return emails.map(() => 'unknown_site');
    // One bounded email-index look-up per address, never the site's whole account list.
    const members = await Promise.all(
      emails.map(async (email) => (await deps.accounts.findByEmail(siteId, email)).some((account) => account.status !== 'denied')),
    );
    const claims = await store.getMany(emails.map((email) => emailClaimKey(siteId, email.toLowerCase())));
    return Promise.all(
      emails.map(async (_email, index) => {
        if (members[index]) return 'already_member';
        const claimed = claims[index];
        const open = claimed === undefined ? undefined : await get(claimed);
        return open && OPEN_STATUSES.includes(open.status) ? 'already_invited' : undefined;
      }),
    );
  }

  async function refusalFor(siteId: string, email: string): Promise<InviteRefusal | undefined> {
    return (await refusalsFor(siteId, [email.trim().toLowerCase()]))[0];
  }

  /** The email of an invitation's current link. */
  function mailOf(invitation: Invitation, token: string, invitedBy: string): OutgoingMail {
    const site = deps.sites.get(invitation.siteId);
    const siteName = site?.config.displayName ?? invitation.siteId;
    return {
      to: invitation.email,
      template: 'invitation',
      data: {
        name: invitation.name ?? '',
        siteId: invitation.siteId,
        siteName,
        link: `${deps.issuer}/invite?token=${token}`,
        expires: `${invitation.expiresAt.slice(0, 16).replace('T', ' ')} UTC`,
        invitedBy,
        // "You will sign in with …": chosen on the invitation's page, the Microsoft account, or the site's own directory's.
        directoryLabel: {
          choose: 'a user name and password you choose',
          federated: 'your Microsoft account',
          directory: `your ${siteName} user name and password`,
        }[signInWay(site?.capabilities)],
      },
    };
  }

  /** The outbox message of a link: delivered only while the link is live (its token still names this invitation). */
  function messageOf(invitation: Invitation, token: string, invitedBy: string): OutboxInput & { id: string } {
    return {
      id: invitation.messageId!,
      channel: 'email',
      to: invitation.email,
      kind: 'invitation',
      siteId: invitation.siteId,
      payload: mailOf(invitation, token, invitedBy),
      onlyIf: { key: tokenKey(invitation.tokenHash), equals: invitation.id },
    };
  }

  /** A new link: a token (kept only as its hash), its expiry and the message that will carry it. */
  function withNewLink(invitation: Invitation): { token: string; invitation: Invitation } {
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + invitation.days * DAY_SECONDS * 1000).toISOString();
    return { token, invitation: { ...invitation, tokenHash: hashToken(token), expiresAt, messageId: randomUUID(), sends: invitation.sends + 1 } };
  }

  const tokenTtl = (invitation: Invitation) => invitation.days * DAY_SECONDS + TOKEN_GRACE_SECONDS;

  /**
   * Holds the address for this invitation: one open invitation per address
   * and site, even when two admins (or two imports) invite at once. The
   * claim is written with a short-lived "being written" marker (same hash
   * tag, one writeAll): a claim whose invitation does not exist yet is
   * another import's in progress while its marker lives, and is taken over
   * only after that (a process killed before writing its invitations) or
   * once its invitation ended.
   */
  async function claim(invitation: Invitation): Promise<boolean> {
    const key = emailClaimKey(invitation.siteId, invitation.email);
    const marker = emailClaimPendingKey(invitation.siteId, invitation.email);
    const mine = [
      { op: 'set' as const, key, value: invitation.id },
      { op: 'set' as const, key: marker, value: invitation.id, ttlSeconds: CLAIM_PENDING_SECONDS },
    ];
    if (await store.writeAll(mine, { onlyIf: { key, equals: undefined } })) return true;
    const holderId = await store.get(key);
    if (holderId === undefined) return store.writeAll(mine, { onlyIf: { key, equals: undefined } });
    const holder = await get(holderId);
    if (holder && OPEN_STATUSES.includes(holder.status)) return false;
    if (!holder && (await store.get(marker)) === holderId) return false;
    return store.writeAll(mine, { onlyIf: { key, equals: holderId } });
  }

  /** Gives back a claim this invitation took (the import was refused). */
  async function release(invitation: Invitation): Promise<void> {
    const key = emailClaimKey(invitation.siteId, invitation.email);
    await store.writeAll(
      [
        { op: 'delete', key },
        { op: 'delete', key: emailClaimPendingKey(invitation.siteId, invitation.email) },
      ],
      { onlyIf: { key, equals: invitation.id } },
    );
  }

  /**
   * Invites everyone or no one: the addresses are claimed first (a refusal
   * gives the claims back), then the invitations, their links and their
   * emails are one outbox write. Call refusalsFor first for the reasons an
   * admin can fix (members, open invitations).
   */
  async function inviteMany(inputs: readonly InviteInput[], actor: { id: string; label: string }): Promise<InviteManyOutcome> {
    const unknown = inputs.findIndex((input) => !deps.sites.get(input.siteId));
    if (unknown >= 0) return { status: 'refused', refusals: [{ index: unknown, reason: 'unknown_site' }] };
    const createdAt = new Date().toISOString();
    const links = inputs.map((input) =>
      withNewLink({
        id: randomUUID(),
        siteId: input.siteId,
        email: input.email.trim().toLowerCase(),
        name: input.name?.trim() || undefined,
        role: input.role,
        groups: [...new Set(input.groups)],
        tokenHash: '',
        days: input.days ?? deps.sites.get(input.siteId)!.config.signUp.invitationDays,
        createdAt,
        createdBy: actor.id,
        expiresAt: '',
        sends: 0,
      }),
    );
    const claimed = await Promise.all(links.map(({ invitation }) => claim(invitation)));
    if (claimed.includes(false)) {
      await Promise.all(links.map(({ invitation }, index) => (claimed[index] ? release(invitation) : undefined)));
      return { status: 'refused', refusals: claimed.flatMap((ok, index) => (ok ? [] : [{ index, reason: 'already_invited' as const }])) };
    }
    // The record, its link and its index entry are one change with the emails: all of them or none, whatever happens to the process.
    const change: ChangeStep[] = links.flatMap(({ invitation }, place) => [
      { op: 'setIfAbsent' as const, key: tokenKey(invitation.tokenHash), value: invitation.id, ttlSeconds: tokenTtl(invitation) },
      { op: 'setIfAbsent' as const, key: invitationKey(invitation.id), value: JSON.stringify(invitation) },
      { op: 'indexAdd' as const, key: siteInvitationIndexKey(invitation.siteId), member: invitation.id, score: scoreOf(invitation.createdAt, place) },
    ]);
    await outbox.enqueue(
      links.map(({ invitation, token }) => messageOf(invitation, token, actor.label)),
      { change },
    );
    return {
      status: 'ok',
      invitations: links.map(({ invitation }) => ({ ...invitation, status: 'queued' as const, delivery: { state: 'pending' as const, attempts: 0 } })),
    };
  }

  async function invite(
    input: InviteInput,
    actor: { id: string; label: string },
  ): Promise<{ status: 'ok'; invitation: InvitationView } | { status: 'refused'; reason: InviteRefusal }> {
    const refusal = await refusalFor(input.siteId, input.email);
    if (refusal) return { status: 'refused', reason: refusal };
    const outcome = await inviteMany([input], actor);
    return outcome.status === 'ok' ? { status: 'ok', invitation: outcome.invitations[0]! } : { status: 'refused', reason: outcome.refusals[0]!.reason };
  }

  /**
   * A new link by email; the old link is dead from now on. The message is
   * written first, sent only once the new link is live: a process killed
   * half-way leaves a cancelled message (the list says "not sent"), never a
   * mailed link that does not work.
   */
  async function resend(
    id: string,
    actor: { label: string },
  ): Promise<{ status: 'ok'; invitation: InvitationView } | { status: 'refused'; reason: 'final' | 'not_found' }> {
    const current = await get(id);
    if (!current) return { status: 'refused', reason: 'not_found' };
    if (current.end) return { status: 'refused', reason: 'final' };
    const { token, invitation } = withNewLink(recordOf(current));
    await outbox.enqueue([messageOf(invitation, token, actor.label)]);
    await store.set(invitationKey(id), JSON.stringify(invitation));
    await store.set(tokenKey(invitation.tokenHash), id, { ttlSeconds: tokenTtl(invitation) });
    await store.delete(tokenKey(current.tokenHash), invitationOpenedKey(id));
    if (current.messageId) await outbox.cancel(current.messageId, 'replaced by a new link');
    outbox.wake();
    return { status: 'ok', invitation: (await get(id))! };
  }

  async function revoke(id: string, actor: { id: string }): Promise<'ok' | 'final' | 'not_found'> {
    const current = await get(id);
    if (!current) return 'not_found';
    const end: InvitationEnd = { outcome: 'revoked', at: new Date().toISOString(), by: actor.id };
    if (!(await store.setIfAbsent(invitationEndKey(id), JSON.stringify(end)))) return 'final';
    await store.delete(tokenKey(current.tokenHash));
    if (current.messageId) await outbox.cancel(current.messageId, 'the invitation was revoked');
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

  return { invite, inviteMany, refusalFor, refusalsFor, list, count, get, resend, revoke, check, markOpened, redeem: redemption.redeem };
}

export type InvitationService = ReturnType<typeof createInvitationService>;
