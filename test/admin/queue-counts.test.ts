import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type AccessRequests, pendingKey } from '../../src/services/approvals/access-requests.ts';
import { overdueBefore } from '../../src/services/dashboard-queue.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser } from '../support/form-browser.ts';
import { consoleSignIn, getPage, makeAdmin } from './console-support.ts';

const sites = ['NORTH', 'SOUTH'].map((id) => ({ id, displayName: `${id} site`, directory: { kind: 'local' }, signUp: { mode: 'approval' } }));
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

describe('the approval queue counts its waiting and overdue requests from the pending indexes', () => {
  let running: RunningAdmit;
  let requests: AccessRequests;
  const nora = new FormBrowser();

  beforeAll(async () => {
    running = await startAdmit({ config: { sites } });
    requests = running.admit.approval.requests;
    for (let n = 0; n < 7; n += 1) await submit(requests, 'NORTH', n);
    for (let n = 0; n < 4; n += 1) await submit(requests, 'SOUTH', n);
    // Three NORTH requests and one SOUTH request sent ten days ago: past the promise.
    const longAgo = Date.now() - 10 * 86_400_000;
    const north = (await requests.list(['NORTH'], { limit: 3 })).items;
    const [south] = (await requests.list(['SOUTH'], { limit: 1 })).items;
    await running.admit.store.writeAll(
      north.map((request, i) => ({ op: 'indexAdd' as const, key: pendingKey('NORTH'), member: request.id, score: longAgo + i })),
    );
    await running.admit.store.writeAll([{ op: 'indexAdd', key: pendingKey('SOUTH'), member: south!.id, score: longAgo }]);
    await consoleSignIn(running, nora, await makeAdmin(running, { site: 'NORTH', username: 'nora', adminSites: ['NORTH'] }));
  }, 60_000);
  afterAll(() => running?.stop());

  it('counts per site and summed across sites, overdue by the two-business-days cutoff', async () => {
    assert.deepEqual(await requests.counts(['NORTH'], { overdueBefore: overdueBefore() }), { waiting: 7, overdue: 3 });
    assert.deepEqual(await requests.counts(['NORTH', 'SOUTH'], { overdueBefore: overdueBefore() }), { waiting: 11, overdue: 4 });
    assert.deepEqual(await requests.counts([], { overdueBefore: overdueBefore() }), { waiting: 0, overdue: 0 });
  });

  it("the page says how many wait and how many are overdue, for the admin's sites only, and a decision takes one off", async () => {
    let page = await getPage(running, nora, '/admin/approvals');
    assert.equal(page.status, 200);
    assert.match(page.html, /7 waiting/);
    assert.match(page.html, /3 overdue/);
    const [oldest] = (await requests.list(['NORTH'], { limit: 1 })).items;
    assert.equal((await requests.approve(oldest!.id, 'admin')).status, 'ok');
    page = await getPage(running, nora, '/admin/approvals?show=decided');
    assert.match(page.html, /6 waiting/);
    assert.match(page.html, /2 overdue/);
  });
});
