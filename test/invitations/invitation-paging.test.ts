import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { InvitationView } from '../../src/services/invitations/invitation-model.ts';
import { type Invitation, invitationKey, siteInvitationIndexKey, siteInvitationsKey } from '../../src/services/invitations/invitation-model.ts';
import type { Store } from '../../src/store/port.ts';
import { consoleSignIn, getPage, makeAdmin } from '../admin/console-support.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser } from '../support/form-browser.ts';
import { type RunningRedis, startRedis } from '../support/redis-server.ts';

const sites = ['DEMO', 'OTHER', 'LEGACY'].map((id) => ({ id, displayName: `${id} site`, directory: { kind: 'local' }, signUp: { mode: 'invitation' } }));
const actor = { id: 'gina', label: 'Gina' };
const people = (siteId: string, from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({ siteId, email: `p${from + i}@${siteId.toLowerCase()}.test`, role: 'user' as const, groups: [] }));

/** Ids read from a page's rows. */
const rowsOf = (html: string) => [...html.matchAll(/data-invitation="([^"]+)"/g)].map((match) => match[1]!);
const nextOf = (html: string) => /href="(\/admin\/invitations\?after=[^"]+)" rel="next"/.exec(html)?.[1];

let redis: RunningRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

describe.each(['sqlite', 'redis'])('invitations on %s: a per-site index by creation time, paged by cursor', (backend) => {
  let running: RunningAdmit;
  let store: Store;
  const gina = new FormBrowser();
  const otto = new FormBrowser();

  beforeAll(async () => {
    running = await startAdmit({ config: { sites }, ...(backend === 'redis' ? { store: redis.url } : {}) });
    store = running.admit.store;
    const { invitations } = running.admit.approval;
    // An import of 60 to DEMO, then 40 single invitations alternating between DEMO and OTHER, then 20 more to OTHER.
    assert.equal((await invitations.inviteMany(people('DEMO', 0, 60), actor)).status, 'ok');
    for (let n = 0; n < 40; n += 1) assert.equal((await invitations.invite(people(n % 2 ? 'DEMO' : 'OTHER', 100 + n, 1)[0]!, actor)).status, 'ok');
    assert.equal((await invitations.inviteMany(people('OTHER', 200, 20), actor)).status, 'ok');
    await consoleSignIn(running, gina, await makeAdmin(running, { site: 'DEMO', username: 'gina', adminSites: ['DEMO', 'OTHER'] }), '/admin/invitations');
    await consoleSignIn(running, otto, await makeAdmin(running, { site: 'OTHER', username: 'otto', adminSites: ['OTHER'] }), '/admin/invitations');
  }, 120_000);
  afterAll(() => running?.stop());

  it('pages 120 invitations across two sites 50 at a time, newest first, each once; an import keeps its file order', async () => {
    const { invitations } = running.admit.approval;
    const seen: InvitationView[] = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await invitations.list(['DEMO', 'OTHER'], { cursor });
      sizes.push(page.items.length);
      seen.push(...page.items);
      cursor = page.next;
    } while (cursor);
    assert.deepEqual(sizes, [50, 50, 20]);
    assert.equal(new Set(seen.map((invitation) => invitation.id)).size, 120);
    const created = seen.map((invitation) => invitation.createdAt);
    assert.deepEqual(created, [...created].sort().reverse(), 'newest first');
    // Within one millisecond the order is the index's; an import's rows keep the file's order.
    const emails = seen.map((invitation) => invitation.email);
    for (const batch of [people('OTHER', 200, 20), people('DEMO', 0, 60)].map((list) => list.map((person) => person.email))) {
      assert.deepEqual(
        emails.filter((email) => batch.includes(email)),
        batch,
        'an import in its order',
      );
    }
    assert.ok(seen.every((invitation) => invitation.status === 'queued' || invitation.status === 'sent' || invitation.status === 'not_sent'));
    assert.equal(await invitations.count(['DEMO', 'OTHER']), 120);
    assert.equal(await invitations.count(['OTHER']), 40);
  });

  it('the console page: 50 rows with their status, Next and First page, the total; a site admin sees only their site', async () => {
    const first = await getPage(running, gina, '/admin/invitations');
    assert.equal(first.status, 200);
    assert.match(first.html, /120 invitations, newest first, 50 a page/);
    const rows = rowsOf(first.html);
    assert.equal(rows.length, 50);
    assert.equal((first.html.match(/class="badge status-/g) ?? []).length, 50, 'each row shows its status');
    assert.doesNotMatch(first.html, /First page/);
    const second = await getPage(running, gina, nextOf(first.html)!.replace(/&amp;/g, '&'));
    const third = await getPage(running, gina, nextOf(second.html)!.replace(/&amp;/g, '&'));
    assert.equal(rowsOf(second.html).length, 50);
    assert.equal(rowsOf(third.html).length, 20);
    assert.equal(nextOf(third.html), undefined);
    assert.match(third.html, /href="\/admin\/invitations">First page/);
    assert.equal(new Set([...rows, ...rowsOf(second.html), ...rowsOf(third.html)]).size, 120);
    const other = await getPage(running, otto, '/admin/invitations');
    assert.match(other.html, /40 invitations/);
    assert.equal(rowsOf(other.html).length, 40);
    assert.ok(rowsOf(other.html).every((email) => email.endsWith('@other.test')));
    const broken = await getPage(running, gina, '/admin/invitations?after=garbage!');
    assert.equal(broken.status, 400);
    assert.match(broken.html, /That page link is not valid any more/);
  });

  it('an existing store: the legacy per-site set is copied into the index once, a page of the set at a time', async () => {
    const { invitations } = running.admit.approval;
    const base = Date.UTC(2025, 0, 1);
    for (let n = 0; n < 450; n += 1) {
      const invitation: Invitation = {
        id: `legacy-${n}`,
        siteId: 'LEGACY',
        email: `old${n}@legacy.test`,
        role: 'user',
        groups: [],
        tokenHash: `h${n}`,
        days: 14,
        createdAt: new Date(base + n * 60_000).toISOString(),
        createdBy: 'x',
        expiresAt: new Date(base + 14 * 86_400_000).toISOString(),
        sentAt: new Date(base).toISOString(),
        sends: 1,
      };
      await store.set(invitationKey(invitation.id), JSON.stringify(invitation));
      await store.addToSet(siteInvitationsKey('LEGACY'), invitation.id);
    }
    await store.addToSet(siteInvitationsKey('LEGACY'), 'legacy-without-record');
    // The legacy set is walked with setScan, never read whole.
    let wholeReads = 0;
    const setMembers = store.setMembers;
    store.setMembers = (key) => {
      if (key === siteInvitationsKey('LEGACY')) wholeReads += 1;
      return setMembers(key);
    };
    try {
      const page = await invitations.list(['LEGACY']);
      assert.equal(page.items.length, 50);
      assert.equal(page.items[0]!.id, 'legacy-449');
      assert.equal(page.items[0]!.status, 'expired');
    } finally {
      store.setMembers = setMembers;
    }
    assert.equal(wholeReads, 0);
    assert.equal(await store.indexCount(siteInvitationIndexKey('LEGACY')), 450);
    assert.equal(await invitations.count(['LEGACY']), 450);
    // Once: a record added to the old set now is not copied again.
    await store.addToSet(siteInvitationsKey('LEGACY'), 'legacy-0-again');
    await store.set(invitationKey('legacy-0-again'), (await store.get(invitationKey('legacy-0')))!);
    assert.equal(await invitations.count(['LEGACY']), 450);
  });
});
