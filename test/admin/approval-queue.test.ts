import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type AccessRequests, type AccessRequestView, decidedKey, pendingKey } from '../../src/services/approvals/access-requests.ts';
import { storeKey } from '../../src/store/port.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser } from '../support/form-browser.ts';
import { type RunningRedis, startRedis } from '../support/redis-server.ts';
import { consoleSignIn, getPage, makeAdmin } from './console-support.ts';

const sites = ['NORTH', 'SOUTH', 'EAST'].map((id) => ({ id, displayName: `${id} site`, directory: { kind: 'local' }, signUp: { mode: 'approval' } }));

const submit = (requests: AccessRequests, siteId: string, n: number) =>
  requests.submit({
    siteId,
    accountId: `account-${siteId}-${n}`,
    username: `person${n}`,
    name: `Person ${siteId} ${n}`,
    email: `p${n}@${siteId.toLowerCase()}.test`,
    organisation: 'Acme',
    reason: 'Meter data',
  });

let redis: RunningRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

describe.each(['sqlite', 'redis'])('the approval queue on %s: a pending index per site, paged by cursor', (backend) => {
  let running: RunningAdmit;
  let requests: AccessRequests;
  const north = new FormBrowser();

  beforeAll(async () => {
    running = await startAdmit({ config: { sites }, ...(backend === 'redis' ? { store: redis.url } : {}) });
    requests = running.admit.approval.requests;
    // 120 requests over two sites, interleaved; a third site the admin does not administer.
    for (let n = 0; n < 120; n += 1) await submit(requests, n % 2 ? 'NORTH' : 'SOUTH', n);
    for (let n = 0; n < 3; n += 1) await submit(requests, 'EAST', n);
    await consoleSignIn(running, north, await makeAdmin(running, { site: 'NORTH', username: 'nora', adminSites: ['NORTH', 'SOUTH'] }));
  }, 120_000);
  afterAll(() => running?.stop());

  it('paging a 120-request queue across two sites sees each request once, oldest first, 50 a page', async () => {
    const seen: AccessRequestView[] = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await requests.list(['NORTH', 'SOUTH'], { cursor });
      sizes.push(page.items.length);
      seen.push(...page.items);
      cursor = page.next;
    } while (cursor);
    assert.deepEqual(sizes, [50, 50, 20]);
    assert.equal(new Set(seen.map((request) => request.id)).size, 120);
    assert.deepEqual(
      seen.map((request) => request.submittedAt),
      seen.map((request) => request.submittedAt).sort(),
    );
    assert.ok(seen.every((request) => request.status === 'pending' && request.ageBusinessDays === 0 && !request.overdue));
  });

  it('age and overdue come from the index score (the submission time)', async () => {
    const [oldest] = (await requests.list(['EAST'], { limit: 1 })).items;
    const longAgo = Date.now() - 10 * 86_400_000;
    await running.admit.store.writeAll([{ op: 'indexAdd', key: pendingKey('EAST'), member: oldest!.id, score: longAgo }]);
    const [again] = (await requests.list(['EAST'], { limit: 1 })).items;
    assert.equal(again!.id, oldest!.id);
    assert.ok(again!.overdue);
    assert.ok(again!.ageBusinessDays >= 6 && again!.ageBusinessDays <= 8, String(again!.ageBusinessDays));
  });

  it('a decided request leaves the queue at once; two admins deciding at once: one wins', async () => {
    const [first] = (await requests.list(['NORTH'], { limit: 1 })).items;
    const outcomes = await Promise.all([requests.approve(first!.id, 'admin-a'), requests.deny(first!.id, 'admin-b', 'No contract')]);
    assert.deepEqual(outcomes.map((outcome) => outcome.status).sort(), ['already_decided', 'ok']);
    const pending = (await requests.list(['NORTH'], { limit: 200 })).items;
    assert.equal(pending.length, 59);
    assert.ok(!pending.some((request) => request.id === first!.id));
    const decided = (await requests.list(['NORTH'], { decided: true })).items;
    assert.deepEqual(
      decided.map((request) => request.id),
      [first!.id],
    );
    const winner = outcomes.find((outcome) => outcome.status === 'ok')!;
    assert.equal(decided[0]!.status, winner.status === 'ok' ? winner.request.status : '');
    assert.equal((await requests.approve(first!.id, 'admin-c')).status, 'already_decided');
  });

  it('a malformed cursor is a clear 400 on the page', async () => {
    await assert.rejects(requests.list(['NORTH'], { cursor: 'not a cursor' }), /not valid/);
    const page = await getPage(running, north, '/admin/approvals?after=garbage!');
    assert.equal(page.status, 400);
    assert.match(page.html, /That page link is not valid any more/);
  });

  it("a site admin sees only their sites' requests, and cannot decide another site's", async () => {
    const first = await getPage(running, north, '/admin/approvals');
    assert.equal(first.status, 200);
    const rows = [...first.html.matchAll(/data-request="([^"]+)"/g)].map((match) => match[1]!);
    assert.equal(rows.length, 50);
    assert.doesNotMatch(first.html, /EAST site|Person EAST/);
    const next = /href="(\/admin\/approvals\?after=[^"]+)"/.exec(first.html)![1]!.replace(/&amp;/g, '&');
    const second = await getPage(running, north, next);
    const more = [...second.html.matchAll(/data-request="([^"]+)"/g)].map((match) => match[1]!);
    assert.equal(more.length, 50);
    assert.equal(more.filter((id) => rows.includes(id)).length, 0, 'no request on two pages');
    const [east] = (await requests.list(['EAST'])).items;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(first.html)![1]!;
    const refused = await north.follow(`${running.issuer}/admin/approvals/${east!.id}/approve`, undefined, { form: { _csrf: csrf } });
    assert.equal(refused.response.status, 404);
    assert.equal((await requests.get(east!.id))!.status, 'pending');
  });

  it('an existing store: the legacy per-site set is moved into the indexes once', async () => {
    const store = running.admit.store;
    const legacy = storeKey('site-access-requests', 'LEGACY');
    const old = (n: number, decided: boolean) => ({
      id: `legacy-${n}`,
      siteId: 'LEGACY',
      accountId: `a${n}`,
      username: `old${n}`,
      name: `Old ${n}`,
      email: `o${n}@x.test`,
      organisation: 'Acme',
      reason: 'r',
      submittedAt: new Date(Date.UTC(2024, 0, 1 + n)).toISOString(),
      decided,
    });
    for (let n = 0; n < 450; n += 1) {
      const request = old(n, n % 3 === 0);
      await store.set(storeKey('access-request', request.id), JSON.stringify(request));
      if (request.decided)
        await store.set(
          storeKey('access-request', request.id, 'decision'),
          JSON.stringify({ outcome: 'denied', at: request.submittedAt, by: 'x', reason: 'old' }),
        );
      await store.addToSet(legacy, request.id);
    }
    const page = await requests.list(['LEGACY'], { limit: 1000 });
    assert.equal(page.items.length, 300);
    assert.equal(page.items[0]!.id, 'legacy-1');
    assert.equal((await store.indexRange(decidedKey('LEGACY'), { limit: 1000 })).length, 150);
    assert.deepEqual(await store.setMembers(legacy), [], 'the legacy set is gone');
    const decided = (await requests.list(['LEGACY'], { decided: true, limit: 2 })).items;
    assert.deepEqual(
      decided.map((request) => [request.id, request.status, request.decision?.reason]),
      [
        ['legacy-447', 'denied', 'old'],
        ['legacy-444', 'denied', 'old'],
      ],
    );
    assert.equal((await requests.approve('legacy-3', 'x')).status, 'already_decided');
  });
});
