import assert from 'node:assert/strict';
import pino from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type Account, createAccountService } from '../../src/services/accounts.ts';
import type { AccessRequests } from '../../src/services/approvals/access-requests.ts';
import { createAuditLog } from '../../src/services/audit/audit-log.ts';
import { createAuditQuery } from '../../src/services/audit/audit-query.ts';
import { compareLex } from '../../src/store/port.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser } from '../support/form-browser.ts';
import { type RunningRedis, startRedis } from '../support/redis-server.ts';
import { consoleSignIn, getPage, makeAdmin } from './console-support.ts';

const sites = ['EAST', 'WEST', 'SOUTH'].map((id) => ({ id, displayName: `${id} site`, directory: { kind: 'local' }, signUp: { mode: 'approval' } }));
const usernames = (html: string) => [...html.matchAll(/<tr data-username="([^"]*)">/g)].map((match) => match[1]!);
const requestIds = (html: string) => [...html.matchAll(/data-request="([^"]+)"/g)].map((match) => match[1]!);
const href = (html: string, pattern: RegExp) => pattern.exec(html)?.[1]?.replaceAll('&amp;', '&');

let redis: RunningRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

describe.each(['sqlite', 'redis'])('console lists sorted where the index serves it, on %s', (backend) => {
  let running: RunningAdmit;
  let requests: AccessRequests;
  const nora = new FormBrowser();
  /** Every seeded member, and the admins: what the pages list. */
  let listed: Account[] = [];

  beforeAll(async () => {
    running = await startAdmit({ config: { sites }, ...(backend === 'redis' ? { store: redis.url } : {}) });
    const accounts = createAccountService({ store: running.admit.store });
    // Three orders that disagree: user names up, emails down, names shuffled; over two sites.
    for (let i = 0; i < 64; i += 1) {
      await accounts.linkOrCreate(i % 2 ? 'EAST' : 'WEST', 'local', {
        externalId: `m-${i}`,
        username: `member${String(i).padStart(2, '0')}`,
        email: `${String(99 - i).padStart(2, '0')}@mail.test`,
        name: `Name ${String((i * 37) % 64).padStart(2, '0')}`,
        groups: [],
      });
    }
    await accounts.linkOrCreate('SOUTH', 'local', { externalId: 'south', username: 'aaa-south', email: '00@south.test', name: 'A South', groups: [] });
    await consoleSignIn(running, nora, await makeAdmin(running, { site: 'EAST', username: 'nora', adminSites: ['EAST', 'WEST'] }));
    listed = (await accounts.search(['EAST', 'WEST'], { limit: 200 })).accounts;
    requests = running.admit.approval.requests;
    for (let n = 0; n < 7; n += 1) {
      await requests.submit({
        siteId: n % 2 ? 'EAST' : 'WEST',
        accountId: `r-${n}`,
        username: `req${n}`,
        name: `Requester ${n}`,
        email: `r${n}@mail.test`,
        organisation: 'Acme',
        reason: 'Data',
      });
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
  }, 120_000);
  afterAll(() => running?.stop());

  it('accounts.search reverse: each field descending, paged by next and back by prev across two sites, each once', async () => {
    const accounts = createAccountService({ store: running.admit.store });
    for (const field of ['username', 'email', 'name'] as const) {
      const value = (account: Account) =>
        field === 'username' ? account.username.toLowerCase() : field === 'email' ? account.email! : account.name!.toLowerCase();
      const expected = listed.map(value).sort(compareLex).reverse();
      const pages: Account[][] = [];
      let page = await accounts.search(['EAST', 'WEST'], { field, reverse: true, limit: 20 });
      pages.push(page.accounts);
      while (page.next) {
        page = await accounts.search(['EAST', 'WEST'], { field, reverse: true, limit: 20, after: page.next });
        pages.push(page.accounts);
      }
      assert.deepEqual(
        pages.map((one) => one.length),
        [20, 20, 20, 5],
        field,
      );
      assert.deepEqual(pages.flat().map(value), expected, `${field} descending`);
      // Back from the last page by prev: the same pages, in the same order within each.
      for (let index = pages.length - 2; index >= 0; index -= 1) {
        page = await accounts.search(['EAST', 'WEST'], { field, reverse: true, limit: 20, before: page.prev });
        assert.deepEqual(
          page.accounts.map((account) => account.id),
          pages[index]!.map((account) => account.id),
          `${field} page ${index} by prev`,
        );
      }
      assert.equal(page.prev, undefined);
    }
    // A prefix search descends too.
    const found = await accounts.search(['EAST', 'WEST'], { query: 'member1', field: 'username', reverse: true, limit: 50 });
    assert.deepEqual(
      found.accounts.map((account) => account.username),
      ['member19', 'member18', 'member17', 'member16', 'member15', 'member14', 'member13', 'member12', 'member11', 'member10'],
    );
  });

  it('Users: sort by email Z to A from the Email column, which keeps the filters, resets the page and says aria-sort', async () => {
    const first = await getPage(running, nora, '/admin/users?status=active');
    assert.match(
      first.html,
      /<th aria-sort="ascending"><a class="sort" href="\/admin\/users\?status=active&amp;dir=desc" aria-label="User Name, sort Z to A">User Name/,
    );
    const byEmail = href(first.html, /<th><a class="sort" href="([^"]+)" aria-label="Email, sort A to Z">Email/);
    assert.equal(byEmail, '/admin/users?status=active&sort=email');
    const ascending = await getPage(running, nora, byEmail!);
    assert.match(
      ascending.html,
      /<th aria-sort="ascending"><a class="sort" href="[^"]+" aria-label="Email, sort Z to A">Email<span aria-hidden="true"> ↑<\/span>/,
    );
    assert.match(ascending.html, /Accounts in email order, 50 on this page\./);
    // The next page keeps the order.
    const next = href(ascending.html, /<a href="([^"]+)" rel="next">/);
    assert.match(next!, /^\/admin\/users\?status=active&sort=email&after=/);
    const descendingUrl = href(ascending.html, /<th aria-sort="ascending"><a class="sort" href="([^"]+)" aria-label="Email, sort Z to A">Email/);
    assert.equal(descendingUrl, '/admin/users?status=active&sort=email&dir=desc');
    const descending = await getPage(running, nora, descendingUrl!);
    assert.equal(descending.status, 200);
    assert.match(
      descending.html,
      /<th aria-sort="descending"><a class="sort" href="\/admin\/users\?status=active&amp;sort=email" aria-label="Email, sort A to Z">Email<span aria-hidden="true"> ↓<\/span>/,
    );
    assert.match(descending.html, /Accounts in email order \(Z to A\), 50 on this page\./);
    const byEmailDesc = [...listed]
      .filter((account) => account.status === 'active')
      .sort((a, b) => compareLex(b.email!, a.email!))
      .map((account) => account.username);
    assert.deepEqual(usernames(descending.html), byEmailDesc.slice(0, 50));
    // From a later page, a column link starts again at the first page.
    const later = await getPage(running, nora, href(descending.html, /<a href="([^"]+)" rel="next">/)!);
    assert.deepEqual(usernames(later.html), byEmailDesc.slice(50));
    assert.doesNotMatch(href(later.html, /<th><a class="sort" href="([^"]+)" aria-label="Name, sort A to Z">Name/)!, /after|before/);
    // Name and user name descending.
    const byName = await getPage(running, nora, '/admin/users?sort=name&dir=desc');
    assert.deepEqual(
      usernames(byName.html),
      [...listed]
        .sort((a, b) => compareLex(b.name!.toLowerCase(), a.name!.toLowerCase()))
        .map((account) => account.username)
        .slice(0, 50),
    );
    const byUser = await getPage(running, nora, '/admin/users?dir=desc');
    assert.equal(usernames(byUser.html)[0], 'nora');
    assert.ok(!usernames(byUser.html).includes('aaa-south'), 'another site stays out whatever the order');
  });

  it('Users: a search is in its field order, either way; an order the index cannot serve is a 400 with a sentence', async () => {
    const search = await getPage(running, nora, '/admin/users?q=member1&field=username&sort=username&dir=desc');
    assert.equal(search.status, 200);
    assert.deepEqual(usernames(search.html).slice(0, 3), ['member19', 'member18', 'member17']);
    // Only the searched field's column is a sort link during a search.
    assert.doesNotMatch(search.html, /<a class="sort" href="[^"]+" aria-label="Email/);
    for (const [path, sentence] of [
      ['/admin/users?sort=created', /Sort: choose user name, email or name\./],
      ['/admin/users?sort=constructor', /Sort: choose user name, email or name\./],
      ['/admin/users?dir=up', /Order: choose A to Z or Z to A\./],
      ['/admin/users?q=mem&sort=email', /Sort: a search in every field is in the order of the value matched; choose Search in email to sort by it\./],
      ['/admin/users?q=mem&field=name&sort=email', /Sort: a search in names is in name order; choose Search in email to sort by it\./],
    ] as const) {
      const refused = await getPage(running, nora, path);
      assert.equal(refused.status, 400, path);
      assert.match(refused.html, sentence);
    }
  });

  it('Approval queue: oldest first by default, Newest first by link (keeping the view), aria-sort; a bad order is a 400', async () => {
    const oldest = await getPage(running, nora, '/admin/approvals');
    const ids = requestIds(oldest.html);
    assert.equal(ids.length, 7);
    assert.match(oldest.html, /<th aria-sort="ascending">Submitted<\/th>/);
    assert.match(oldest.html, /<a href="\/admin\/approvals" aria-current="true" class="current">Oldest first<\/a>/);
    const newestUrl = href(oldest.html, /<a href="([^"]+)">Newest first<\/a>/);
    assert.equal(newestUrl, '/admin/approvals?order=newest');
    const newest = await getPage(running, nora, newestUrl!);
    assert.deepEqual(requestIds(newest.html), [...ids].reverse());
    assert.match(newest.html, /<th aria-sort="descending">Submitted<\/th>/);
    assert.match(newest.html, /Waiting requests, newest first\./);
    assert.match(oldest.html, /Waiting requests, oldest first\./);
    assert.deepEqual(
      (await requests.list(['EAST', 'WEST'], { newestFirst: true, limit: 3 })).items.map((request) => request.id),
      [...ids].reverse().slice(0, 3),
    );
    // Paged newest first, 3 at a time: the service's cursor belongs to that order.
    const page1 = await requests.list(['EAST', 'WEST'], { newestFirst: true, limit: 3 });
    const page2 = await requests.list(['EAST', 'WEST'], { newestFirst: true, limit: 3, cursor: page1.next });
    assert.deepEqual(
      page2.items.map((request) => request.id),
      [...ids].reverse().slice(3, 6),
    );
    // Decided: newest first by default, and oldest first on request; the links keep show=decided.
    const decided = await getPage(running, nora, '/admin/approvals?show=decided');
    assert.equal(href(decided.html, /<a href="([^"]+)">Oldest first<\/a>/), '/admin/approvals?show=decided&order=oldest');
    const bad = await getPage(running, nora, '/admin/approvals?order=random');
    assert.equal(bad.status, 400);
    assert.match(bad.html, /Order: choose oldest first or newest first\./);
  });

  it('Audit log: newest first by default, oldest first by link (keeping the filter), paged by cursor across days either way', async () => {
    const DAY = 86_400_000;
    let now = Date.now() - 3 * DAY;
    const audit = createAuditLog({ logger: pino({ level: 'silent' }), store: running.admit.store, clock: () => now });
    const labels: string[] = [];
    // Seven events over four days, oldest first as written.
    for (const [days, label] of [
      [3, 'a'],
      [3, 'b'],
      [2, 'c'],
      [1, 'd'],
      [1, 'e'],
      [0, 'f'],
      [0, 'g'],
    ] as const) {
      now = Date.now() - days * DAY + labels.length;
      await audit.record(undefined, { action: 'test.sort', outcome: 'ok', site: 'EAST', detail: { label } });
      labels.push(label);
    }
    const query = createAuditQuery({ store: running.admit.store });
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const filter = { scope: { allSites: false as const, sites: ['EAST', 'WEST'] }, action: 'test.sort', from: day(Date.now() - 6 * DAY), to: day(Date.now()) };
    const walk = async (oldestFirst: boolean) => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await query.page({ ...filter, oldestFirst }, { cursor, limit: 2 });
        seen.push(...page.items.map((event) => String(event.detail?.label)));
        cursor = page.next;
      } while (cursor);
      return seen;
    };
    assert.deepEqual(await walk(true), labels);
    assert.deepEqual(await walk(false), [...labels].reverse());

    const newest = await getPage(running, nora, `/admin/audit?action=test.sort&from=${filter.from}`);
    const shown = (html: string) => [...html.matchAll(/label=([a-g])</g)].map((match) => match[1]);
    assert.deepEqual(shown(newest.html), [...labels].reverse());
    assert.match(newest.html, /<th aria-sort="descending">Time<\/th>/);
    const oldestUrl = href(newest.html, /<a href="([^"]+)">Oldest first<\/a>/);
    assert.match(oldestUrl!, /action=test.sort/);
    assert.match(oldestUrl!, /order=oldest/);
    const oldest = await getPage(running, nora, oldestUrl!);
    assert.deepEqual(shown(oldest.html), labels);
    assert.match(oldest.html, /<th aria-sort="ascending">Time<\/th>/);
    assert.match(oldest.html, /<a href="[^"]+" aria-current="true" class="current">Oldest first<\/a>/);
    // The export follows the order shown.
    const csv = await nora.request(`${running.issuer}/admin/audit.csv?${new URL(oldestUrl!, running.issuer).searchParams}`);
    const order = [...(await csv.text()).matchAll(/""label"":""([a-g])""/g)].map((match) => match[1]);
    assert.deepEqual(order, labels);
    const bad = await getPage(running, nora, '/admin/audit?order=sideways');
    assert.equal(bad.status, 400);
    assert.match(bad.html, /Order: choose newest first or oldest first\./);
  });
});
