import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { AccessRequests, AccessRequestView } from '../../src/services/approvals/access-requests.ts';
import { createAuditQuery } from '../../src/services/audit/audit-query.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, inputValue } from '../support/form-browser.ts';
import { consoleSignIn, getPage, makeAdmin } from './console-support.ts';

const sites = ['NORTH', 'SOUTH', 'EAST'].map((id) => ({ id, displayName: `${id} site`, directory: { kind: 'local' }, signUp: { mode: 'approval' } }));

let serial = 0;
const submit = (requests: AccessRequests, siteId: string) => {
  serial += 1;
  return requests.submit({
    siteId,
    accountId: `account-${siteId}-${serial}`,
    username: `person${serial}`,
    name: `Person ${siteId} ${serial}`,
    email: `p${serial}@${siteId.toLowerCase()}.test`,
    organisation: 'Acme',
    reason: 'Meter data',
  });
};

describe('bulk approve/deny on the approval queue: one page of checked requests, one reason, each decided as a single decision', () => {
  let running: RunningAdmit;
  let requests: AccessRequests;
  const nora = new FormBrowser();
  const sam = new FormBrowser();

  /** Posts the queue's bulk form: the page's CSRF token (unless given), each id as its own `id` field. */
  async function bulk(browser: FormBrowser, ids: readonly string[], fields: { decision?: string; reason?: string; _csrf?: string } = {}) {
    const page = await getPage(running, browser, '/admin/approvals');
    const pairs: [string, string][] = [['_csrf', fields._csrf ?? inputValue(page.html, '_csrf')], ...ids.map((id): [string, string] => ['id', id])];
    if (fields.decision !== undefined) pairs.push(['decision', fields.decision]);
    if (fields.reason !== undefined) pairs.push(['reason', fields.reason]);
    // URLSearchParams takes pairs: the same name once per checked box, as a browser sends it.
    const response = await browser.request(`${running.issuer}/admin/approvals/bulk`, { form: pairs as unknown as Record<string, string> });
    return { status: response.status, location: response.headers.get('location') ?? '', html: await response.text() };
  }
  const status = async (id: string) => (await requests.get(id))!.status;
  const pendingOf = async (siteIds: string[]) => (await requests.list(siteIds, { limit: 200 })).items;
  const decisionMails = async (email: string) =>
    (await running.admit.outbox.list({ siteIds: 'all', limit: 500 })).messages.filter(
      (message) => message.to === email && /request-(approved|denied)/.test(message.kind) && message.state !== 'cancelled',
    );

  beforeAll(async () => {
    running = await startAdmit({ config: { sites } });
    requests = running.admit.approval.requests;
    for (let n = 0; n < 12; n += 1) await submit(requests, 'NORTH');
    for (let n = 0; n < 3; n += 1) await submit(requests, 'EAST');
    await consoleSignIn(running, nora, await makeAdmin(running, { site: 'NORTH', username: 'nora', adminSites: ['NORTH'] }));
    await consoleSignIn(running, sam, await makeAdmin(running, { site: 'NORTH', username: 'sam', adminSites: ['NORTH', 'SOUTH'] }));
  }, 120_000);
  afterAll(() => running?.stop());

  it('the queue offers a box per request, Select all on this page (no script: the page again, all checked), one Reason and the two buttons', async () => {
    const page = await getPage(running, nora, '/admin/approvals');
    assert.equal(page.status, 200);
    const boxes = [
      ...page.html.matchAll(/<input type="checkbox" form="bulk" name="id" value="([^"]+)" aria-label="Select Person NORTH \d+ \(person\d+\)"(?: checked)?>/g),
    ];
    assert.equal(boxes.length, 12);
    assert.doesNotMatch(page.html, /<input type="checkbox"[^>]* checked>/);
    assert.match(page.html, /<form id="bulk" method="post" action="\/admin\/approvals\/bulk"/);
    assert.match(page.html, /<label for="bulk-reason">Reason<\/label>/);
    assert.match(page.html, />Approve selected</);
    assert.match(page.html, />Deny selected</);
    const all = await getPage(running, nora, '/admin/approvals?select=all');
    assert.equal([...all.html.matchAll(/<input type="checkbox" form="bulk" name="id"[^>]* checked>/g)].length, 12);
    assert.match(all.html, />Clear selection</);
    assert.doesNotMatch(page.html, /<script(?![^>]*\bsrc=)/, 'no inline script');
  });

  it('approves three with one post and says "3 approved; 1 was already decided." when one was decided meanwhile', async () => {
    const [a, b, c, d] = await pendingOf(['NORTH']);
    await requests.deny(d!.id, 'someone-else', 'No contract');
    const answer = await bulk(nora, [a!.id, b!.id, c!.id, d!.id], { decision: 'approve' });
    assert.equal(answer.status, 303);
    assert.equal(answer.location, '/admin/approvals?notice=bulk&approved=3&denied=0&already=1');
    const shown = await getPage(running, nora, answer.location);
    assert.match(shown.html, /<div class="notice" role="status">3 approved; 1 was already decided\. Each person is told by email\.<\/div>/);
    for (const request of [a, b, c]) {
      assert.equal(await status(request!.id), 'approved');
      assert.doesNotMatch(shown.html, new RegExp(`data-request="${request!.id}"`));
      assert.equal((await decisionMails(request!.email)).length, 1, 'one approval email each, through the outbox');
    }
    assert.equal(await status(d!.id), 'denied', 'the first decision stands');
    // Audited as single decisions are, one event each, marked bulk.
    const today = new Date().toISOString().slice(0, 10);
    const audited = async () =>
      (
        await createAuditQuery({ store: running.admit.store }).query({ scope: { allSites: true }, action: 'admin.request.approve', from: today, to: today }, 50)
      ).events.filter((event) => event.detail?.bulk === true);
    for (let tries = 0; (await audited()).length < 4 && tries < 50; tries += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    const events = await audited();
    assert.deepEqual(events.map((event) => event.outcome).sort(), ['already_decided', 'ok', 'ok', 'ok']);
    assert.ok(
      events.every((event) => event.actor === 'nora' || String(event.actor).includes('nora')),
      JSON.stringify(events.map((event) => event.actor)),
    );
  });

  it('a deny needs the reason (as a single deny); with it, each is denied with that reason and told by email', async () => {
    const [a, b] = await pendingOf(['NORTH']);
    const refused = await bulk(nora, [a!.id, b!.id], { decision: 'deny', reason: '   ' });
    assert.equal(refused.status, 400);
    assert.match(refused.html, /Give a reason to deny the selected requests\./);
    // The queue comes back with the same boxes checked, the others not.
    const checked = [...refused.html.matchAll(/name="id" value="([^"]+)"[^>]* checked>/g)].map((match) => match[1]);
    assert.deepEqual(checked.sort(), [a!.id, b!.id].sort());
    const typed = await bulk(nora, [a!.id], { decision: 'deny', reason: 'x'.repeat(501) });
    assert.equal(typed.status, 400);
    assert.match(typed.html, /The reason is too long: at most 500 characters\./);
    assert.equal(await status(a!.id), 'pending');
    const answer = await bulk(nora, [a!.id, b!.id], { decision: 'deny', reason: 'No contract with Acme' });
    assert.equal(answer.location, '/admin/approvals?notice=bulk&approved=0&denied=2&already=0');
    for (const request of [a, b]) {
      const after = (await requests.get(request!.id))!;
      assert.equal(after.status, 'denied');
      assert.equal(after.decision?.reason, 'No contract with Acme');
      assert.equal((await decisionMails(request!.email)).length, 1);
    }
    const shown = await getPage(running, nora, answer.location);
    assert.match(shown.html, /2 denied\. Each person is told by email\./);
  });

  it('one request of a site the admin does not administer refuses the whole post: nothing is decided', async () => {
    const [x, y] = await pendingOf(['NORTH']);
    const [east] = await pendingOf(['EAST']);
    const answer = await bulk(nora, [x!.id, east!.id, y!.id], { decision: 'approve' });
    assert.equal(answer.status, 404);
    assert.match(answer.html, /Nothing was decided: a selected request is not one you can decide/);
    assert.deepEqual([await status(x!.id), await status(east!.id), await status(y!.id)], ['pending', 'pending', 'pending']);
    // An unknown id is refused the same way (no telling apart "another site's" from "none").
    const unknown = await bulk(nora, [x!.id, '00000000-0000-4000-8000-000000000000'], { decision: 'deny', reason: 'x' });
    assert.equal(unknown.status, 404);
    assert.equal(await status(x!.id), 'pending');
  });

  it('duplicates count once; no box checked, a bad decision, a malformed id, a nested field are 400s', async () => {
    const [x] = await pendingOf(['NORTH']);
    const twice = await bulk(nora, [x!.id, x!.id, x!.id], { decision: 'approve' });
    assert.equal(twice.location, '/admin/approvals?notice=bulk&approved=1&denied=0&already=0');
    assert.equal((await decisionMails(x!.email)).length, 1);
    const [y] = await pendingOf(['NORTH']);
    const none = await bulk(nora, [], { decision: 'approve' });
    assert.equal(none.status, 400);
    assert.match(none.html, /Select at least one request\./);
    assert.equal((await bulk(nora, [y!.id], { decision: 'delete' })).status, 400);
    assert.equal((await bulk(nora, [y!.id])).status, 400);
    assert.equal((await bulk(nora, ['../../etc'], { decision: 'approve' })).status, 400);
    const nested = await nora.request(`${running.issuer}/admin/approvals/bulk`, {
      form: { _csrf: inputValue((await getPage(running, nora, '/admin/approvals')).html, '_csrf'), 'id[foo]': y!.id, decision: 'approve' },
    });
    assert.equal(nested.status, 400);
    assert.equal(await status(y!.id), 'pending');
  });

  it('more than one page (50) of ids is a 400 and decides nothing; 21 to 50 (past qs’s array limit) are read as a list', async () => {
    for (let n = 0; n < 50; n += 1) await submit(requests, 'NORTH');
    const pending = await pendingOf(['NORTH']);
    assert.ok(pending.length >= 51);
    const tooMany = await bulk(
      nora,
      pending.slice(0, 51).map((request) => request.id),
      { decision: 'approve' },
    );
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.html, /Select at most 50 requests at a time/);
    assert.ok((await Promise.all(pending.slice(0, 51).map((request) => status(request.id)))).every((one) => one === 'pending'));
    const thirty = await bulk(
      nora,
      pending.slice(0, 30).map((request) => request.id),
      { decision: 'approve' },
    );
    assert.equal(thirty.location, '/admin/approvals?notice=bulk&approved=30&denied=0&already=0');
  });

  it('a missing or forged CSRF token is a 403 and decides nothing', async () => {
    const [x] = await pendingOf(['NORTH']);
    assert.equal((await bulk(nora, [x!.id], { decision: 'approve', _csrf: 'forged' })).status, 403);
    const missing = await nora.request(`${running.issuer}/admin/approvals/bulk`, { form: { id: x!.id, decision: 'approve' } });
    assert.equal(missing.status, 403);
    // Another admin's token is not this one's.
    const samToken = inputValue((await getPage(running, sam, '/admin/approvals')).html, '_csrf');
    assert.equal((await bulk(nora, [x!.id], { decision: 'approve', _csrf: samToken })).status, 403);
    assert.equal(await status(x!.id), 'pending');
  });

  it('two admins bulk-deciding overlapping sets at once: each request is decided once, one email each', async () => {
    const pending = (await pendingOf(['NORTH'])).slice(0, 15);
    assert.equal(pending.length, 15);
    const ids = pending.map((request) => request.id);
    const [first, second] = await Promise.all([
      bulk(nora, ids.slice(0, 10), { decision: 'approve' }),
      bulk(sam, ids.slice(5, 15), { decision: 'deny', reason: 'Duplicate request' }),
    ]);
    const tally = (location: string) => Object.fromEntries(new URL(location, running.issuer).searchParams.entries());
    const a = tally(first.location);
    const b = tally(second.location);
    assert.equal(Number(a.approved) + Number(a.already), 10);
    assert.equal(Number(b.denied) + Number(b.already), 10);
    assert.equal(Number(a.already) + Number(b.already), 5, 'the five both chose are decided by one of them');
    const decided: AccessRequestView[] = await Promise.all(ids.map(async (id) => (await requests.get(id))!));
    assert.ok(decided.every((request) => request.status !== 'pending'));
    assert.equal(decided.filter((request) => request.status === 'approved').length, Number(a.approved));
    assert.equal(decided.filter((request) => request.status === 'denied').length, Number(b.denied));
    const listed = (await requests.list(['NORTH'], { decided: true, limit: 200 })).items.map((request) => request.id);
    for (const id of ids) assert.equal(listed.filter((one) => one === id).length, 1, 'in the decided list once');
    for (const request of pending) assert.equal((await decisionMails(request.email)).length, 1, `one decision email for ${request.email}`);
  });
});
