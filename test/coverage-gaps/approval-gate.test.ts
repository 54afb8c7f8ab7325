// The approval gate, in process: a waiting, refused or disabled account is
// refused at the first factor; an account disabled during a later step is
// stopped at the gate step's page (403), which lets the same sign-in go on
// once it is enabled again; the gate's URL is no way around the sign-in.

import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { managedUsers } from '../../src/connectors.ts';
import { type Account, createAccountService } from '../../src/services/accounts.ts';
import { RP_CALLBACK, rpClient, signInAtRp } from '../registration/support.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, formAction, inputValue } from '../support/form-browser.ts';

describe('the approval gate step', () => {
  let running: RunningAdmit;
  const accounts = () => createAccountService({ store: running.admit.store });

  beforeAll(async () => {
    running = await startAdmit({
      config: {
        sites: [
          { id: 'DEMO', displayName: 'Demo site', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false }, signUp: { mode: 'approval' } },
        ],
        clients: [rpClient],
      },
    });
  });
  afterAll(async () => {
    await running?.stop();
  });

  async function person(username: string, status: Account['status']): Promise<Account> {
    const user = await (await managedUsers(running.admit.store, running.config.sites[0]!))!.add({ username, password: `${username}-Gate#2026x` });
    const account = await accounts().linkOrCreate('DEMO', 'local', user, { status });
    return account;
  }

  for (const [status, message] of [
    ['pending_approval', /waiting for approval/],
    ['denied', /request for access to this site was denied/],
    ['disabled', /This account is disabled/],
  ] as const) {
    it(`refuses a ${status} account at the first factor (403), saying why`, async () => {
      await person(`gate-${status}`, status);
      const signIn = await signInAtRp(running, new FormBrowser(), { username: `gate-${status}`, password: `gate-${status}-Gate#2026x`, site: 'DEMO' });
      assert.equal(signIn.status, 403);
      assert.match(signIn.html, message);
      assert.equal(signIn.url.searchParams.get('code'), null);
    });
  }

  it('stops a sign-in whose account was disabled during a later step at the gate, and lets it go on once enabled again', async () => {
    const account = await person('gate-later', 'active');
    // Its first sign-in ends with "Change Password": the account is disabled while that page is open.
    await accounts().save({ ...(await accounts().find(account.id))!, passwordChangeRequired: true });
    const browser = new FormBrowser();
    const signIn = await signInAtRp(running, browser, { username: 'gate-later', password: 'gate-later-Gate#2026x', site: 'DEMO' });
    assert.equal(signIn.status, 200);
    assert.match(signIn.url.pathname, /^\/interaction\/[^/]+\/password$/);
    await accounts().save({ ...(await accounts().find(account.id))!, status: 'disabled' });
    const { response, url } = await browser.follow(
      new URL(formAction(signIn.html, '/password'), running.issuer),
      (location) => location.href.startsWith(RP_CALLBACK),
      {
        form: {
          _csrf: inputValue(signIn.html, '_csrf'),
          oldPassword: 'gate-later-Gate#2026x',
          newPassword: 'Brisk#Meadow4821',
          confirmPassword: 'Brisk#Meadow4821',
        },
      },
    );
    assert.equal(response.status, 403, url.href);
    assert.match(url.pathname, /\/approval$/);
    const gate = await response.text();
    assert.match(gate, /Account disabled/);
    assert.match(gate, /\/interaction\/[^/"]+\/abort/);
    // Reloading the gate while still disabled changes nothing.
    assert.equal((await browser.request(url)).status, 403);
    await accounts().save({ ...(await accounts().find(account.id))!, status: 'active' });
    const finished = await browser.follow(url, (location) => location.href.startsWith(RP_CALLBACK));
    assert.ok(finished.url.searchParams.get('code'), finished.url.href);
  });

  it("refuses the gate's URL outside a sign-in that reached it", async () => {
    const browser = new FormBrowser();
    const signIn = await signInAtRp(running, browser, { username: 'nobody', password: 'wrong', site: 'DEMO' });
    // The sign-in is still at its first factor: the gate's URL sends it back there.
    const uid = /\/interaction\/([^/"?]+)/.exec(formAction(signIn.html, '/login'))?.[1];
    assert.ok(uid);
    const gate = await browser.request(`${running.issuer}/interaction/${uid}/approval`);
    assert.equal(gate.status, 303);
    assert.equal(new URL(gate.headers.get('location')!, running.issuer).pathname, `/interaction/${uid}`);
    assert.ok(inputValue(signIn.html, '_csrf'));
  });
});
