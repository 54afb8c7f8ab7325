// The invitation service on a real SQLite store with the real outbox and
// sites: every way a link, a claim or a redemption can be refused, raced or
// replayed, and what each leaves stored.

import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Config } from '../../src/config/schema.ts';
import { buildConfigSchema, connectorFactories } from '../../src/connectors.ts';
import { type AccountService, createAccountService } from '../../src/services/accounts.ts';
import {
  emailClaimKey,
  emailClaimPendingKey,
  type Invitation,
  invitationEndKey,
  invitationKey,
  recordOf,
  statusOf,
  viewOf,
} from '../../src/services/invitations/invitation-model.ts';
import { createInvitationService, type InvitationService } from '../../src/services/invitations/invitations.ts';
import { createOutbox, type Outbox } from '../../src/services/outbox/outbox.ts';
import { createSiteDirectory } from '../../src/services/sites.ts';
import type { Store } from '../../src/store/port.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { TEST_SECRET } from '../support/admit-server.ts';

const ISSUER = 'https://id.example';
const admin = { id: 'admin-1', label: 'Gina Admin' };

describe('invitation records: status and view', () => {
  const base: Invitation = {
    id: 'i1',
    siteId: 'DEMO',
    email: 'a@example.com',
    role: 'user',
    groups: [],
    tokenHash: 'h',
    days: 7,
    createdAt: '2026-01-01T00:00:00.000Z',
    createdBy: 'admin',
    expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    sends: 1,
  };

  it('reads an ended, expired or opened invitation as such, before its email', () => {
    assert.equal(statusOf(base, { outcome: 'revoked', at: 'x' }, 'opened', { state: 'sent', attempts: 1 }), 'revoked');
    assert.equal(statusOf({ ...base, expiresAt: '2020-01-01T00:00:00.000Z' }, undefined, 'opened', undefined), 'expired');
    assert.equal(statusOf(base, undefined, '2026-01-02T00:00:00.000Z', { state: 'pending', attempts: 0 }), 'opened');
  });

  it("reads the email's state from the outbox", () => {
    assert.equal(statusOf(base, undefined, undefined, { state: 'sent', attempts: 1 }), 'sent');
    assert.equal(statusOf(base, undefined, undefined, { state: 'pending', attempts: 0 }), 'queued');
    assert.equal(statusOf(base, undefined, undefined, { state: 'failed', attempts: 5 }), 'not_sent');
    assert.equal(statusOf(base, undefined, undefined, { state: 'cancelled', attempts: 0 }), 'not_sent');
  });

  it('reads a record written before the outbox by its own fields', () => {
    assert.equal(statusOf({ ...base, sentAt: '2026-01-01T00:00:01.000Z' }, undefined, undefined, undefined), 'sent');
    assert.equal(statusOf({ ...base, messageId: 'm1' }, undefined, undefined, undefined), 'queued');
    assert.equal(statusOf(base, undefined, undefined, undefined), 'not_sent');
    const legacy = viewOf(JSON.stringify({ ...base, sendError: 'smtp refused' }), undefined, undefined);
    assert.equal(legacy?.sendError, 'smtp refused');
    assert.equal(legacy?.status, 'not_sent');
  });

  it('names why an email was not sent: the last error, else its state; a sent one has no error', () => {
    const raw = JSON.stringify({ ...base, messageId: 'm1', sendError: 'stale' });
    assert.equal(viewOf(raw, undefined, undefined, { state: 'failed', attempts: 5, lastError: '550 no such user' })?.sendError, '550 no such user');
    assert.equal(viewOf(raw, undefined, undefined, { state: 'cancelled', attempts: 0 })?.sendError, 'cancelled');
    const sent = viewOf(raw, undefined, undefined, { state: 'sent', attempts: 1, sentAt: '2026-01-01T00:00:02.000Z' });
    assert.equal(sent?.sendError, undefined);
    assert.equal(sent?.sentAt, '2026-01-01T00:00:02.000Z');
    assert.equal(viewOf(undefined, undefined, undefined), undefined);
    const ended = viewOf(raw, JSON.stringify({ outcome: 'redeemed', at: 'now', accountId: 'acc' }), undefined);
    assert.equal(ended?.status, 'redeemed');
    assert.deepEqual(recordOf(ended!), { ...base, messageId: 'm1', sendError: 'stale', sentAt: undefined });
  });
});

describe('the invitation service', () => {
  let store: Store;
  let accounts: AccountService;
  let outbox: Outbox;
  let invitations: InvitationService;

  beforeAll(async () => {
    const config = buildConfigSchema().parse({
      secret: TEST_SECRET,
      sites: [
        { id: 'DEMO', displayName: 'Demo site', directory: { kind: 'local' }, signUp: { mode: 'invitation', invitationDays: 3 } },
        {
          id: 'CORP',
          displayName: 'Corp',
          directory: { kind: 'entra', tenant: '6f1a7c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b', clientId: 'admit', clientSecret: 'corp-secret' },
        },
      ],
    }) as Config;
    store = createSqliteStore({ path: ':memory:' });
    accounts = createAccountService({ store });
    const sites = createSiteDirectory(
      config.sites,
      await connectorFactories(
        { store },
        config.sites.map((site) => site.directory.kind),
      ),
    );
    outbox = createOutbox({ store, masterSecret: TEST_SECRET, settings: config.outbox });
    invitations = createInvitationService({ store, accounts, sites, outbox, issuer: ISSUER });
  });
  afterAll(() => store.close());

  /** Invites and returns the link's token, read from the queued email. */
  async function invite(email: string, extra: Partial<Parameters<InvitationService['invite']>[0]> = {}) {
    const outcome = await invitations.invite({ siteId: 'DEMO', email, role: 'user', groups: [], ...extra }, admin);
    assert.equal(outcome.status, 'ok', JSON.stringify(outcome));
    const invitation = (outcome as { invitation: Invitation }).invitation;
    const message = await outbox.get(invitation.messageId!);
    const payload = outbox.open(message!) as { data: Record<string, string> };
    return { invitation, token: new URL(payload.data.link!).searchParams.get('token')!, payload };
  }

  it("invites with the site's validity, a trimmed address, no blank name, and names the way to sign in", async () => {
    const { invitation, payload } = await invite('  Nell@Example.COM ', { name: '   ', groups: ['a', 'a', 'b'] });
    assert.equal(invitation.email, 'nell@example.com');
    assert.equal(invitation.name, undefined);
    assert.deepEqual(invitation.groups, ['a', 'b']);
    assert.equal(invitation.days, 3);
    assert.equal(payload.data.name, '');
    assert.equal(payload.data.siteName, 'Demo site');
    assert.equal(payload.data.directoryLabel, 'a user name and password you choose');
    assert.match(payload.data.link!, new RegExp(`^${ISSUER}/invite\\?token=[A-Za-z0-9_-]{43}$`));
    const corp = await invitations.invite({ siteId: 'CORP', email: 'carl@corp.example', name: 'Carl', role: 'site-admin', groups: [], days: 1 }, admin);
    assert.equal(corp.status, 'ok');
    const message = await outbox.get((corp as { invitation: Invitation }).invitation.messageId!);
    assert.equal((outbox.open(message!) as { data: Record<string, string> }).data.directoryLabel, 'your Microsoft account');
  });

  it('refuses an unknown site, an open invitation, and a member, inviting nobody', async () => {
    assert.deepEqual(await invitations.invite({ siteId: 'NOPE', email: 'x@example.com', role: 'user', groups: [] }, admin), {
      status: 'refused',
      reason: 'unknown_site',
    });
    assert.deepEqual(
      await invitations.inviteMany(
        [
          { siteId: 'DEMO', email: 'y@example.com', role: 'user', groups: [] },
          { siteId: 'NOPE', email: 'x@example.com', role: 'user', groups: [] },
        ],
        admin,
      ),
      { status: 'refused', refusals: [{ index: 1, reason: 'unknown_site' }] },
    );
    assert.deepEqual(await invitations.refusalsFor('NOPE', ['x@example.com']), ['unknown_site']);
    assert.deepEqual(await invitations.invite({ siteId: 'DEMO', email: 'NELL@example.com', role: 'user', groups: [] }, admin), {
      status: 'refused',
      reason: 'already_invited',
    });
    await accounts.linkOrCreate('DEMO', 'local', { externalId: 'm1', username: 'member', email: 'member@example.com', groups: [] });
    assert.deepEqual(await invitations.invite({ siteId: 'DEMO', email: 'member@example.com', role: 'user', groups: [] }, admin), {
      status: 'refused',
      reason: 'already_member',
    });
    // A refused sign-up request is no member: that person can be invited.
    await accounts.linkOrCreate('DEMO', 'local', { externalId: 'd1', username: 'denied', email: 'denied@example.com', groups: [] }, { status: 'denied' });
    assert.equal(await invitations.refusalFor('DEMO', 'denied@example.com'), undefined);
    assert.equal(await store.get(emailClaimKey('DEMO', 'y@example.com')), undefined);
    assert.equal(await invitations.refusalFor('DEMO', 'y@example.com'), undefined);
  });

  it("lets one of two racing invitations of an address through and gives the loser's other claims back", async () => {
    const [a, b] = await Promise.all([
      invitations.inviteMany(
        [
          { siteId: 'DEMO', email: 'race@example.com', role: 'user', groups: [] },
          { siteId: 'DEMO', email: 'race-a@example.com', role: 'user', groups: [] },
        ],
        admin,
      ),
      invitations.inviteMany(
        [
          { siteId: 'DEMO', email: 'race@example.com', role: 'user', groups: [] },
          { siteId: 'DEMO', email: 'race-b@example.com', role: 'user', groups: [] },
        ],
        admin,
      ),
    ]);
    const outcomes = [a, b].map((outcome) => outcome.status).sort();
    assert.deepEqual(outcomes, ['ok', 'refused']);
    const loser = a.status === 'refused' ? a : b;
    assert.deepEqual((loser as { refusals: unknown }).refusals, [{ index: 0, reason: 'already_invited' }]);
    const loserOther = a.status === 'refused' ? 'race-a@example.com' : 'race-b@example.com';
    assert.equal(await store.get(emailClaimKey('DEMO', loserOther)), undefined);
    assert.equal(await invitations.refusalFor('DEMO', loserOther), undefined);
  });

  it('does not take over a claim whose invitation is still being written; takes it once the marker is gone', async () => {
    const claim = emailClaimKey('DEMO', 'slow@example.com');
    await store.set(claim, 'import-in-progress');
    await store.set(emailClaimPendingKey('DEMO', 'slow@example.com'), 'import-in-progress', { ttlSeconds: 30 });
    assert.deepEqual(await invitations.inviteMany([{ siteId: 'DEMO', email: 'slow@example.com', role: 'user', groups: [] }], admin), {
      status: 'refused',
      refusals: [{ index: 0, reason: 'already_invited' }],
    });
    // The importing process died: its marker expired, its claim stayed.
    await store.delete(emailClaimPendingKey('DEMO', 'slow@example.com'));
    const outcome = await invitations.inviteMany([{ siteId: 'DEMO', email: 'slow@example.com', role: 'user', groups: [] }], admin);
    assert.equal(outcome.status, 'ok');
    assert.equal(await store.get(claim), (outcome as { invitations: Invitation[] }).invitations[0]!.id);
  });

  it('re-invites an address whose invitation was revoked, taking over its claim', async () => {
    const { invitation } = await invite('again@example.com');
    assert.equal(await invitations.revoke(invitation.id, admin), 'ok');
    assert.equal(await invitations.revoke(invitation.id, admin), 'final');
    assert.equal(await invitations.revoke('no-such-id', admin), 'not_found');
    assert.equal((await outbox.get(invitation.messageId!))?.state, 'cancelled');
    const second = await invite('again@example.com');
    assert.equal(await store.get(emailClaimKey('DEMO', 'again@example.com')), second.invitation.id);
  });

  it('resends a live invitation with a new link (the old one dead), and refuses an ended or unknown one', async () => {
    const { invitation, token } = await invite('resend@example.com');
    await invitations.markOpened((await invitations.get(invitation.id))!);
    assert.equal((await invitations.get(invitation.id))?.status, 'opened');
    const resent = await invitations.resend(invitation.id, admin);
    assert.equal(resent.status, 'ok');
    const view = (resent as { invitation: Invitation & { status: string } }).invitation;
    assert.equal(view.sends, 2);
    assert.equal(view.status, 'queued', 'no longer opened: the new link was not');
    assert.equal((await outbox.get(invitation.messageId!))?.state, 'cancelled');
    assert.deepEqual(await invitations.check(token), { status: 'invalid' });
    assert.deepEqual(await invitations.resend('no-such-id', admin), { status: 'refused', reason: 'not_found' });
    await invitations.revoke(invitation.id, admin);
    assert.deepEqual(await invitations.resend(invitation.id, admin), { status: 'refused', reason: 'final' });
  });

  it('resends and revokes a record written before the outbox (no message to cancel)', async () => {
    const { invitation } = await invite('legacy@example.com');
    const { messageId: _messageId, ...legacy } = recordOf((await invitations.get(invitation.id))!);
    await store.set(invitationKey(invitation.id), JSON.stringify({ ...legacy, sentAt: '2026-01-01T00:00:00.000Z' }));
    assert.equal((await invitations.get(invitation.id))?.status, 'sent');
    assert.equal((await invitations.resend(invitation.id, admin)).status, 'ok');
    await store.set(invitationKey(invitation.id), JSON.stringify(legacy));
    assert.equal(await invitations.revoke(invitation.id, admin), 'ok');
    assert.equal((await invitations.get(invitation.id))?.status, 'revoked');
  });

  it('checks a link: malformed, unknown, revoked, expired, used, live; opening twice keeps the first moment', async () => {
    assert.deepEqual(await invitations.check('short'), { status: 'invalid' });
    assert.deepEqual(await invitations.check('A'.repeat(43)), { status: 'invalid' });
    const revoked = await invite('revoked@example.com');
    await invitations.revoke(revoked.invitation.id, admin);
    assert.deepEqual(await invitations.check(revoked.token), { status: 'invalid' });

    const late = await invite('late@example.com');
    const raw = JSON.parse((await store.get(invitationKey(late.invitation.id)))!) as Invitation;
    await store.set(invitationKey(late.invitation.id), JSON.stringify({ ...raw, expiresAt: '2020-01-01T00:00:00.000Z' }));
    assert.equal((await invitations.check(late.token)).status, 'expired');
    assert.equal(
      (await invitations.redeem(late.token, { siteId: 'DEMO', directoryKind: 'local', identity: { externalId: 'late', username: 'late', groups: [] } })).status,
      'expired',
    );

    const live = await invite('open@example.com');
    const checked = await invitations.check(live.token);
    assert.equal(checked.status, 'ok');
    await invitations.markOpened(checked.invitation!);
    const opened = (await invitations.get(live.invitation.id))!;
    await new Promise((resolve) => setTimeout(resolve, 5));
    await invitations.markOpened(opened);
    assert.equal((await invitations.get(live.invitation.id))?.openedAt, opened.openedAt);
  });

  describe('redeeming', () => {
    it("binds a new account with the invitation's grants, its name and address where the directory has none", async () => {
      const { token, invitation } = await invite('ada@example.com', { name: 'Ada L', role: 'site-admin', groups: ['eng'] });
      const outcome = await invitations.redeem(token, {
        siteId: 'DEMO',
        directoryKind: 'local',
        identity: { externalId: 'ada-1', username: 'ada', groups: [] },
        passwordChosen: true,
      });
      assert.equal(outcome.status, 'ok');
      const account = (outcome as { account: { id: string } }).account;
      const stored = await accounts.find(account.id);
      assert.equal(stored?.name, 'Ada L');
      assert.equal(stored?.email, 'ada@example.com');
      assert.deepEqual(stored?.adminSites, ['DEMO']);
      assert.deepEqual(stored?.grantedGroups, ['eng']);
      assert.ok(stored?.passwordChangedAt);
      assert.equal(await store.get(emailClaimKey('DEMO', invitation.email)), undefined);
      assert.equal(JSON.parse((await store.get(invitationEndKey(invitation.id)))!).accountId, account.id);

      // The same person pressing again gets the same account; another identity hears "used".
      const again = await invitations.redeem(token, { siteId: 'DEMO', directoryKind: 'local', identity: { externalId: 'ada-1', username: 'ada', groups: [] } });
      assert.equal(again.status, 'ok');
      assert.equal((again as { account: { id: string } }).account.id, account.id);
      assert.deepEqual(
        await invitations.redeem(token, { siteId: 'DEMO', directoryKind: 'local', identity: { externalId: 'eve-1', username: 'eve', groups: [] } }),
        { status: 'used' },
      );
      assert.deepEqual(
        await invitations.redeem(token, async () => ({
          siteId: 'DEMO',
          directoryKind: 'local',
          identity: { externalId: 'eve-2', username: 'eve2', groups: [] },
        })),
        { status: 'used' },
      );
    });

    it("refuses another site's identity and a directory address that is not the invited one, and keeps the link usable", async () => {
      const { token } = await invite('bea@example.com');
      assert.deepEqual(
        await invitations.redeem(token, { siteId: 'CORP', directoryKind: 'entra', identity: { externalId: 'bea', username: 'bea', groups: [] } }),
        { status: 'invalid' },
      );
      assert.deepEqual(
        await invitations.redeem(token, {
          siteId: 'DEMO',
          directoryKind: 'local',
          identity: { externalId: 'bea', username: 'bea', email: 'other@example.com', groups: [] },
        }),
        { status: 'email_mismatch' },
      );
      // Made only once the invitation is held: the mismatch gives it back.
      assert.deepEqual(
        await invitations.redeem(token, async () => ({
          siteId: 'DEMO',
          directoryKind: 'local',
          identity: { externalId: 'bea', username: 'bea', email: 'other@example.com', groups: [] },
        })),
        { status: 'email_mismatch' },
      );
      assert.equal((await invitations.check(token)).status, 'ok');
      const ok = await invitations.redeem(token, {
        siteId: 'DEMO',
        directoryKind: 'local',
        identity: { externalId: 'bea', username: 'bea', email: ' BEA@example.com ', groups: [] },
      });
      assert.equal(ok.status, 'ok');
    });

    it('gives the invitation back when making the identity fails, so the link can be tried again', async () => {
      const { token } = await invite('cy@example.com');
      await assert.rejects(
        invitations.redeem(token, async () => {
          throw new Error('the directory is down');
        }),
        /the directory is down/,
      );
      assert.equal((await invitations.check(token)).status, 'ok');
    });

    it('of two racing presses by the same person one binds; the other gets that account', async () => {
      const { token } = await invite('dee@example.com');
      const identity = { siteId: 'DEMO', directoryKind: 'local', identity: { externalId: 'dee-1', username: 'dee', groups: [] } };
      const outcomes = await Promise.all([invitations.redeem(token, identity), invitations.redeem(token, identity), invitations.redeem(token, identity)]);
      const ids = new Set(outcomes.map((outcome) => (outcome as { account?: { id: string } }).account?.id));
      assert.equal(outcomes.filter((outcome) => outcome.status === 'ok').length + outcomes.filter((outcome) => outcome.status === 'used').length, 3);
      assert.ok(outcomes.some((outcome) => outcome.status === 'ok'));
      ids.delete(undefined);
      assert.equal(ids.size, 1);
    });

    it('adds its grants to an account the person has already, lets a waiting one in, and leaves a disabled one disabled', async () => {
      const waiting = await accounts.linkOrCreate('DEMO', 'local', { externalId: 'wes-1', username: 'wes', groups: ['dir'] }, { status: 'pending_approval' });
      const first = await invite('wes@example.com', { groups: ['eng'], role: 'site-admin' });
      const outcome = await invitations.redeem(first.token, {
        siteId: 'DEMO',
        directoryKind: 'local',
        identity: { externalId: 'wes-1', username: 'wes', groups: ['dir'] },
      });
      assert.equal(outcome.status, 'ok');
      const wes = await accounts.find(waiting.id);
      assert.equal(wes?.status, 'active');
      assert.deepEqual(wes?.grantedGroups, ['eng']);
      assert.deepEqual(wes?.groups, ['dir', 'eng']);
      assert.deepEqual(wes?.adminSites, ['DEMO']);

      const disabled = await accounts.linkOrCreate('DEMO', 'local', { externalId: 'dan-1', username: 'dan', groups: [] });
      await accounts.save({ ...disabled, status: 'disabled', grantedGroups: ['old'], adminSites: ['CORP'] });
      const second = await invite('dan@example.com', { groups: ['eng'] });
      assert.equal(
        (await invitations.redeem(second.token, { siteId: 'DEMO', directoryKind: 'local', identity: { externalId: 'dan-1', username: 'dan', groups: [] } }))
          .status,
        'ok',
      );
      const dan = await accounts.find(disabled.id);
      assert.equal(dan?.status, 'disabled');
      assert.deepEqual(dan?.grantedGroups, ['old', 'eng']);
      assert.deepEqual(dan?.adminSites, ['CORP'], 'a user invitation grants no admin role');
    });
  });
});
