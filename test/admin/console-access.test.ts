import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser } from '../support/form-browser.ts';
import { consoleSignIn, getPage, makeAdmin, postForm, type TestAdmin } from './console-support.ts';

const sites = [
  { id: 'NORTH', displayName: 'North site', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false } },
  { id: 'SOUTH', displayName: 'South site', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false } },
];

describe('admin console: signing in, roles, and who sees what', () => {
  let running: RunningAdmit;
  let global: TestAdmin;
  let north: TestAdmin;
  let southUserId: string;
  // One console session per admin for the whole file (each sign-in needs a fresh authenticator code).
  const globalBrowser = new FormBrowser();

  beforeAll(async () => {
    running = await startAdmit({ config: { sites } });
    global = await makeAdmin(running, { site: 'NORTH', username: 'gina', adminSites: ['*'] });
    north = await makeAdmin(running, { site: 'NORTH', username: 'nora', adminSites: ['NORTH'] });
    // A person in SOUTH the NORTH admin must not see.
    const south = await createLocalDirectory({ store: running.admit.store, siteId: 'SOUTH' }).addUser({
      username: 'sam',
      password: 'Sam#Pass2026',
      email: 'sam@south.test',
    });
    const { createAccountService } = await import('../../src/services/accounts.ts');
    southUserId = (
      await createAccountService({ store: running.admit.store }).linkOrCreate('SOUTH', 'local', {
        externalId: south.id,
        username: 'sam',
        email: 'sam@south.test',
        groups: [],
      })
    ).id;
  });
  afterAll(() => running?.stop());

  it('signs an admin in through admit with two-step verification, and keeps the console session', async () => {
    const browser = globalBrowser;
    const { url, html } = await consoleSignIn(running, browser, global);
    assert.equal(url.pathname, '/admin/approvals');
    assert.match(html, /Approval queue/);
    assert.match(html, /global admin/);
    const again = await getPage(running, browser, '/admin/users');
    assert.equal(again.url.pathname, '/admin/users', 'no new sign-in');
    const cookie = browser.cookie(running.issuer, 'admit.admin');
    assert.ok(cookie && cookie.length >= 43);
    // The session id is stored only as a hash.
    assert.equal(await running.admit.store.get(`admin-session:{${cookie}}`), undefined);
  });

  it('refuses a person without an admin role, after their sign-in', async () => {
    // Two-step verification comes first (the console asks for it), the role check after.
    const olaf = await makeAdmin(running, { site: 'NORTH', username: 'olaf', adminSites: [] });
    const browser = new FormBrowser();
    const { response, html } = await consoleSignIn(running, browser, olaf);
    assert.equal(response.status, 403);
    assert.match(html, /no administrator role/);
    assert.equal(browser.cookie(running.issuer, 'admit.admin'), undefined);
    // Their SSO session signs them straight back in, and the console refuses again.
    const again = await getPage(running, browser, '/admin/users');
    assert.equal(again.status, 403);
    assert.match(again.html, /Sign in to the admin console/);
  });

  it("a site admin sees only their sites: another site's user, lists and audit are out of reach", async () => {
    const browser = new FormBrowser();
    await consoleSignIn(running, browser, north);
    const users = await getPage(running, browser, '/admin/users');
    assert.match(users.html, /nora/);
    assert.doesNotMatch(users.html, /sam@south\.test/);
    const filtered = await getPage(running, browser, '/admin/users?site=SOUTH&q=sam');
    assert.doesNotMatch(filtered.html, /sam@south\.test/, 'a site filter outside the scope is ignored');
    assert.equal((await getPage(running, browser, `/admin/users/${southUserId}`)).status, 404);
    const page = await getPage(running, browser, '/admin/users');
    for (const action of ['disable', 'unlock', 'sign-out']) {
      const { response } = await browser.follow(`${running.issuer}/admin/users/${southUserId}/${action}`, undefined, {
        form: { _csrf: /name="_csrf" value="([^"]+)"/.exec(page.html)![1]! },
      });
      assert.equal(response.status, 404, action);
    }
    const { createAccountService } = await import('../../src/services/accounts.ts');
    assert.equal((await createAccountService({ store: running.admit.store }).find(southUserId))?.status, 'active', 'nothing changed');
    assert.equal((await getPage(running, browser, '/admin/clients')).status, 404, 'relying applications are for global admins');
    const audit = await getPage(running, browser, '/admin/audit?site=SOUTH');
    assert.doesNotMatch(audit.html, /<td>SOUTH<\/td>/);
  });

  it('refuses console form posts without the CSRF token or without a session', async () => {
    const browser = globalBrowser;
    const noToken = await browser.request(`${running.issuer}/admin/users/${southUserId}/disable`, { form: { x: '1' } });
    assert.equal(noToken.status, 403);
    const stranger = new FormBrowser();
    const page = await getPage(running, browser, `/admin/users/${southUserId}`);
    const token = /name="_csrf" value="([^"]+)"/.exec(page.html)![1]!;
    const noSession = await stranger.request(`${running.issuer}/admin/users/${southUserId}/disable`, { form: { _csrf: token } });
    assert.ok(noSession.status === 401 || noSession.status === 403, String(noSession.status));
    const { createAccountService } = await import('../../src/services/accounts.ts');
    assert.equal((await createAccountService({ store: running.admit.store }).find(southUserId))?.status, 'active');
  });

  it('signing out of the console ends its session, and hands over to the sign-out of admit', async () => {
    const browser = globalBrowser;
    const { html } = await getPage(running, browser, '/admin/users');
    const { url } = await postForm(running, browser, html, '/admin/sign-out');
    assert.match(url.pathname, /^\/session\/end/);
    const after = await browser.request(`${running.issuer}/admin/users`);
    assert.equal(after.status, 303, 'asked to sign in again');
  });
});
