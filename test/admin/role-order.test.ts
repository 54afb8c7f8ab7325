import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { createDeviceStore } from '../../src/services/mfa/devices.ts';
import { createSessionService } from '../../src/services/sessions.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, inputValue } from '../support/form-browser.ts';
import { consoleSignIn, getPage, makeAdmin, type TestAdmin } from './console-support.ts';

const sites = [
  { id: 'NORTH', displayName: 'North site', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false } },
  { id: 'SOUTH', displayName: 'South site', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false } },
];

/** Issue 13, item 5: global admin > site admin > user, checked on the target of every console action. */
describe('admin console: the role order', () => {
  let running: RunningAdmit;
  let global: TestAdmin;
  let north: TestAdmin;
  let wide: TestAdmin;
  let deputy: TestAdmin;
  let userId: string;
  let southUserId: string;
  const globalBrowser = new FormBrowser();
  const northBrowser = new FormBrowser();

  const accounts = () => createAccountService({ store: running.admit.store });
  const sessions = () => createSessionService({ store: running.admit.store, provider: running.admit.provider });

  /** Posts an action for an account with the CSRF token of a console page, without following the answer. */
  async function act(browser: FormBrowser, accountId: string, action: string) {
    const page = await getPage(running, browser, '/admin/users');
    const response = await browser.request(`${running.issuer}/admin/users/${encodeURIComponent(accountId)}/${action}`, {
      form: { _csrf: inputValue(page.html, '_csrf') },
    });
    return { status: response.status, location: response.headers.get('location') ?? '', html: await response.text() };
  }

  beforeAll(async () => {
    running = await startAdmit({ config: { sites } });
    // The global admin's home site is NORTH: the site the site admin administers.
    global = await makeAdmin(running, { site: 'NORTH', username: 'gina', adminSites: ['*'] });
    north = await makeAdmin(running, { site: 'NORTH', username: 'nora', adminSites: ['NORTH'] });
    wide = await makeAdmin(running, { site: 'NORTH', username: 'walt', adminSites: ['NORTH', 'SOUTH'] });
    deputy = await makeAdmin(running, { site: 'NORTH', username: 'dina', adminSites: ['NORTH'] });
    const north1 = await createLocalDirectory({ store: running.admit.store, siteId: 'NORTH' }).addUser({
      username: 'uma',
      password: 'Uma#Pass2026',
      email: 'uma@north.test',
    });
    userId = (await accounts().linkOrCreate('NORTH', 'local', { externalId: north1.id, username: 'uma', email: 'uma@north.test', groups: [] })).id;
    const south = await createLocalDirectory({ store: running.admit.store, siteId: 'SOUTH' }).addUser({
      username: 'sam',
      password: 'Sam#Pass2026',
      email: 'sam@south.test',
    });
    southUserId = (await accounts().linkOrCreate('SOUTH', 'local', { externalId: south.id, username: 'sam', email: 'sam@south.test', groups: [] })).id;
    // Both sign-ins leave an SSO session: "sign out everywhere" would end it.
    await consoleSignIn(running, globalBrowser, global);
    await consoleSignIn(running, northBrowser, north);
  });
  afterAll(() => running?.stop());

  it('a site admin cannot disable, reset the MFA of, or sign out a global admin whose home site is theirs', async () => {
    assert.equal((await sessions().list(global.account.id)).length, 1, 'the global admin is signed in');
    for (const action of ['disable', 'reset-mfa', 'sign-out', 'unlock', 'revoke-browsers']) {
      const refused = await act(northBrowser, global.account.id, action);
      assert.equal(refused.status, 403, action);
      assert.match(refused.html, /an administrator with a wider role than yours/, action);
    }
    assert.equal((await accounts().find(global.account.id))?.status, 'active', 'not disabled');
    assert.equal((await createDeviceStore({ store: running.admit.store }).list(global.account.id)).length, 1, 'the authenticator is still enrolled');
    assert.equal((await sessions().list(global.account.id)).length, 1, 'still signed in');
    assert.equal((await getPage(running, globalBrowser, '/admin/users')).status, 200, "the global admin's console still works");

    // The page says why and offers no action; each refusal is in the audit log.
    const page = await getPage(running, northBrowser, `/admin/users/${global.account.id}`);
    assert.equal(page.status, 200, "the account is visible: it is in the site admin's site");
    assert.match(page.html, /wider role than yours/);
    assert.doesNotMatch(page.html, /\/disable"/);
    const audit = await getPage(running, globalBrowser, '/admin/audit?user=gina&action=admin.user');
    assert.match(audit.html, /admin\.user\.disable<\/td>\s*<td>refused<\/td>/);
    assert.match(audit.html, /admin\.user\.reset-mfa<\/td>\s*<td>refused<\/td>/);
    assert.match(audit.html, /admin\.user\.sign-out<\/td>\s*<td>refused<\/td>/);
  });

  it('a site admin cannot act on an admin of more sites than their own', async () => {
    const refused = await act(northBrowser, wide.account.id, 'disable');
    assert.equal(refused.status, 403);
    assert.equal((await accounts().find(wide.account.id))?.status, 'active');
  });

  it('nobody disables or signs out their own account from the console', async () => {
    for (const [browser, admin] of [
      [northBrowser, north],
      [globalBrowser, global],
    ] as const) {
      for (const action of ['disable', 'sign-out', 'reset-mfa']) {
        const refused = await act(browser, admin.account.id, action);
        assert.equal(refused.status, 403, `${admin.username} ${action}`);
        assert.match(refused.html, /your own account/);
      }
      assert.equal((await accounts().find(admin.account.id))?.status, 'active');
      assert.equal((await sessions().list(admin.account.id)).length, 1);
      assert.equal((await getPage(running, browser, '/admin/users')).status, 200, 'still in the console');
    }
  });

  it("a site admin acts on a user of their site and on an admin of no wider role, not on another site's user", async () => {
    const disabled = await act(northBrowser, userId, 'disable');
    assert.equal(disabled.status, 303);
    assert.match(disabled.location, /notice=disabled/);
    assert.equal((await accounts().find(userId))?.status, 'disabled');
    assert.equal((await act(northBrowser, userId, 'enable')).status, 303);
    assert.equal((await accounts().find(userId))?.status, 'active');
    // A fellow admin of the same site is not wider.
    assert.equal((await act(northBrowser, deputy.account.id, 'unlock')).status, 303);
    assert.equal((await act(northBrowser, southUserId, 'disable')).status, 404, "another site's user is not found");
    assert.equal((await accounts().find(southUserId))?.status, 'active');
  });

  it('a global admin still acts on a site admin', async () => {
    const disabled = await act(globalBrowser, deputy.account.id, 'disable');
    assert.equal(disabled.status, 303);
    assert.equal((await accounts().find(deputy.account.id))?.status, 'disabled');
    assert.equal((await act(globalBrowser, wide.account.id, 'sign-out')).status, 303);
    assert.equal((await act(globalBrowser, deputy.account.id, 'enable')).status, 303);
    assert.equal((await accounts().find(deputy.account.id))?.status, 'active');
  });
});
