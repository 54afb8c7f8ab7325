import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createAccountService } from '../../src/services/accounts.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser } from '../support/form-browser.ts';
import { consoleSignIn, getPage, makeAdmin, type TestAdmin } from './console-support.ts';

const sites = [
  { id: 'EAST', displayName: 'East', directory: { kind: 'local' } },
  { id: 'WEST', displayName: 'West', directory: { kind: 'local' } },
];

/** The user names of a users page, in order. */
const usernames = (html: string) => [...html.matchAll(/<tr data-username="([^"]*)">/g)].map((match) => match[1]!);
const link = (html: string, text: string) => {
  const found = new RegExp(`<a href="([^"]+)"[^>]*>${text}</a>`).exec(html)?.[1];
  return found?.replaceAll('&amp;', '&');
};

describe("console Users: search by index, 50 a page by cursor, only the admin's sites (issue 16)", () => {
  let running: RunningAdmit;
  let eastAdmin: TestAdmin;
  let globalAdmin: TestAdmin;
  let east: FormBrowser;
  let global: FormBrowser;

  beforeAll(async () => {
    running = await startAdmit({ config: { sites } });
    eastAdmin = await makeAdmin(running, { site: 'EAST', username: 'eve', adminSites: ['EAST'] });
    globalAdmin = await makeAdmin(running, { site: 'WEST', username: 'gus', adminSites: ['*'] });
    const accounts = createAccountService({ store: running.admit.store });
    for (let i = 0; i < 120; i += 1) {
      await accounts.linkOrCreate('EAST', 'local', {
        externalId: `east-${i}`,
        username: `member${String(i).padStart(3, '0')}`,
        email: `m${i}@east.test`,
        name: `East Member ${i}`,
        groups: [],
      });
    }
    for (let i = 0; i < 5; i += 1)
      await accounts.linkOrCreate('WEST', 'local', { externalId: `west-${i}`, username: `member-west${i}`, email: `w${i}@west.test`, groups: [] });
    const disabled = await accounts.findByUsername('EAST', 'member007');
    await accounts.setStatus(disabled!.id, 'disabled');
    east = new FormBrowser();
    global = new FormBrowser();
    await consoleSignIn(running, east, eastAdmin, '/admin/users');
    await consoleSignIn(running, global, globalAdmin, '/admin/users');
  });
  afterAll(() => running?.stop());

  it('pages through the 121 accounts of EAST 50 at a time: each seen once, in order, and back again', async () => {
    const seen: string[] = [];
    const pages: string[][] = [];
    let path: string | undefined = '/admin/users';
    while (path) {
      const page = await getPage(running, east, path);
      assert.equal(page.status, 200);
      pages.push(usernames(page.html));
      seen.push(...usernames(page.html));
      path = link(page.html, 'Next page');
      if (pages.length === 2) {
        assert.ok(link(page.html, 'First page'), 'a later page links to the first');
        const back = await getPage(running, east, link(page.html, 'Previous page')!);
        assert.deepEqual(usernames(back.html), pages[0], 'Previous page is the page before');
      }
      assert.ok(pages.length < 10);
    }
    assert.deepEqual(
      pages.map((page) => page.length),
      [50, 50, 21],
    );
    assert.equal(new Set(seen).size, 121, '120 members and eve');
    assert.deepEqual(seen, [...seen].sort());
    assert.ok(!seen.some((name) => name.includes('west') || name === 'gus'), 'no account of another site');
  });

  it('searches by user name, email or name prefix, and filters by status', async () => {
    assert.deepEqual(
      usernames((await getPage(running, east, '/admin/users?q=MEMBER11')).html),
      Array.from({ length: 10 }, (_, i) => `member11${i}`),
    );
    assert.deepEqual(usernames((await getPage(running, east, '/admin/users?q=m42%40&field=email')).html), ['member042']);
    assert.deepEqual(usernames((await getPage(running, east, '/admin/users?q=east+member+99&field=name')).html), ['member099']);
    assert.deepEqual(usernames((await getPage(running, east, '/admin/users?q=m42%40&field=username')).html), [], 'the email is not a user name');
    assert.deepEqual(usernames((await getPage(running, east, '/admin/users?status=disabled')).html), ['member007']);
    const none = await getPage(running, east, '/admin/users?q=zzz');
    assert.match(none.html, /No accounts match\./);
  });

  it("a site admin never sees another site's account: not in the list, not by search, not by asking for the site", async () => {
    assert.deepEqual(usernames((await getPage(running, east, '/admin/users?q=member-west')).html), []);
    const other = await getPage(running, east, '/admin/users?site=WEST');
    assert.equal(other.status, 400);
    assert.match(other.html, /You do not administer site WEST\./);
    assert.deepEqual(usernames(other.html), []);
    assert.doesNotMatch(other.html, /<option value="WEST"/, "the site filter offers only the admin's sites");
    // The global admin sees both, and can narrow to one.
    assert.deepEqual(
      usernames((await getPage(running, global, '/admin/users?q=member-west')).html),
      Array.from({ length: 5 }, (_, i) => `member-west${i}`),
    );
    assert.deepEqual(usernames((await getPage(running, global, '/admin/users?q=member-west&site=EAST')).html), []);
    assert.equal(usernames((await getPage(running, global, '/admin/users?site=EAST')).html).length, 50);
  });

  it('a bad cursor, an overlong search or an unknown filter answers 400 with a sentence', async () => {
    const cases: [string, RegExp][] = [
      ['/admin/users?after=%25%25not-a-cursor', /That page link is not valid any more\. Start again from the first page\./],
      [`/admin/users?before=${Buffer.from('no separator here').toString('base64url')}`, /That page link is not valid any more/],
      [`/admin/users?after=${'A'.repeat(5000)}`, /That page link is not valid any more/],
      [`/admin/users?q=${'x'.repeat(101)}`, /The search is too long: at most 100 characters\./],
      ['/admin/users?field=password', /Field: choose user name, email or name\./],
      ['/admin/users?status=deleted', /Status: choose one of the statuses listed\./],
      ['/admin/users?field=toString&q=a', /Field: choose user name, email or name\./],
      ['/admin/users?status=constructor', /Status: choose one of the statuses listed\./],
    ];
    for (const [path, sentence] of cases) {
      const page = await getPage(running, east, path);
      assert.equal(page.status, 400, path);
      assert.match(page.html, sentence, path);
      assert.match(page.html, /<h1>Users<\/h1>/, 'the page itself, with its search form');
    }
    // Still serving afterwards.
    assert.equal((await getPage(running, east, '/admin/users')).status, 200);
  });
});
