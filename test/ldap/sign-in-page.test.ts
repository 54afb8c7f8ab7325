import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLdapConnector } from '../../plugins/connector-ldap/ldap-connector.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { startCallbackServer } from '../support/callback-server.ts';
import { launchChromium } from '../support/chromium.ts';
import { FormBrowser, formAction, inputValue } from '../support/form-browser.ts';
import { directoryFor, type RunningSlapd, seedPassword, startSlapd } from '../support/slapd.ts';

const SECRET = 'ldap-page-secret-0123456789-0123456789';

/** An LDAP site signs users in through the same sign-in page, against a real OpenLDAP. */
describe('signing in to an LDAP site through the sign-in page', () => {
  let slapd: RunningSlapd;
  let running: RunningAdmit;
  let app: Awaited<ReturnType<typeof startCallbackServer>>;

  beforeAll(async () => {
    slapd = await startSlapd();
    app = await startCallbackServer();
    running = await startAdmit({
      config: {
        sites: [
          {
            id: 'ACME',
            displayName: 'ACME',
            directory: directoryFor(slapd, { timeoutMs: 1500, connectTimeoutMs: 1000 }),
            signIn: { changePasswordAtFirstSignIn: false },
          },
          { id: 'DEMO', displayName: 'Demo', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false } },
        ],
        clients: [{ client_id: 'rp', client_secret: SECRET, first_party: true, redirect_uris: [`${app.origin}/callback`] }],
      },
    });
  });
  afterAll(async () => {
    await running?.stop();
    await slapd?.stop();
    await app?.close();
  });

  async function authorize() {
    const config = await oidc.discovery(new URL(running.issuer), 'rp', SECRET, undefined, { execute: [oidc.allowInsecureRequests] });
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: `${app.origin}/callback`,
      scope: 'openid profile email groups tenant',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    });
    return { config, verifier, url };
  }

  async function signIn(username: string, password: string) {
    const { config, verifier, url } = await authorize();
    const browser = new FormBrowser();
    const { response, url: page } = await browser.follow(url);
    const html = await response.text();
    const result = await browser.follow(new URL(formAction(html, '/login'), page), (location) => location.origin === app.origin, {
      form: { _csrf: inputValue(html, '_csrf'), username, password, site: 'ACME' },
    });
    return { ...result, browser, config, verifier };
  }

  it("signs a directory user in, with the directory's groups and profile in the claims", async () => {
    const { url, config, verifier } = await signIn('alice', seedPassword('alice'));
    assert.ok(url.searchParams.get('code'), `expected a code, got ${url.href}`);
    const tokens = await oidc.authorizationCodeGrant(config, url, { pkceCodeVerifier: verifier });
    const info = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    assert.equal(info.tenant, 'ACME');
    assert.equal(info.email, 'alice@example.test');
    assert.ok(Array.isArray(info.groups) && info.groups.length > 0, `groups: ${JSON.stringify(info.groups)}`);
  });

  it("keeps a renamed directory user's account: the same sub after a modrdn", async () => {
    const subOf = async (username: string) => {
      const { url, config, verifier } = await signIn(username, seedPassword('ivan'));
      return (await oidc.authorizationCodeGrant(config, url, { pkceCodeVerifier: verifier })).claims()!.sub;
    };
    const before = await subOf('ivan');
    await slapd.ldif(`dn: uid=ivan,ou=people,${slapd.baseDn}\nchangetype: modrdn\nnewrdn: uid=ivan.renamed\ndeleteoldrdn: 1\n`);
    assert.equal(await subOf('ivan.renamed'), before);
  });

  it('sends a locked directory account to "Unlock Account", and gives a wrong password the generic message', async () => {
    const locked = await signIn('dave', seedPassword('dave'));
    assert.equal(locked.response.status, 423);
    assert.match(await locked.response.text(), /account is locked/);
    const wrong = await signIn('alice', 'not-her-password');
    assert.equal(wrong.response.status, 401);
    assert.match(await wrong.response.text(), /user name or password is incorrect/);
  });

  it('takes a must-change user through Change Password, written back to the directory', async () => {
    const first = await signIn('erin', seedPassword('erin'));
    assert.equal(first.response.status, 200);
    assert.match(first.url.pathname, /\/password$/);
    const html = await first.response.text();
    assert.match(html, /Change your current domain password/);
    const done = await first.browser.follow(new URL(formAction(html, '/password'), first.url), (location) => location.origin === app.origin, {
      form: { _csrf: inputValue(html, '_csrf'), oldPassword: seedPassword('erin'), newPassword: 'Fresh#Domain2026', confirmPassword: 'Fresh#Domain2026' },
    });
    assert.ok(done.url.searchParams.get('code'), `expected a code after the change, got ${done.url.href}`);
    // A fresh bind sees the new password.
    const connector = createLdapConnector(directoryFor(slapd));
    assert.equal((await connector.verifyPassword({ username: 'erin', password: 'Fresh#Domain2026' })).status, 'ok');
    assert.equal((await connector.verifyPassword({ username: 'erin', password: seedPassword('erin') })).status, 'invalid');
    await connector.close?.();
  });

  it('shows "directory unavailable" while the directory is down, reports it in /readyz, and keeps other sites working', async () => {
    await slapd.kill();
    try {
      const down = await signIn('alice', seedPassword('alice'));
      assert.equal(down.response.status, 503);
      assert.match(await down.response.text(), /directory of the selected site cannot be reached/);
      const ready = await fetch(`${running.issuer}/readyz`);
      assert.equal(ready.status, 200, 'admit itself stays ready');
      assert.deepEqual(((await ready.json()) as { directories: Record<string, string> }).directories, { ACME: 'degraded', DEMO: 'ok' });
    } finally {
      await slapd.start();
    }
    const back = await signIn('alice', seedPassword('alice'));
    assert.ok(back.url.searchParams.get('code'), 'signs in again once the directory is back');
  });

  it('looks right in Chromium', async () => {
    const chromium = await launchChromium();
    try {
      const page = await chromium.browser.newPage();
      await page.goto((await authorize()).url.href);
      await page.getByLabel('User Name').fill('carol');
      await page.getByLabel('Password').fill(seedPassword('carol'));
      await page.getByLabel('Log on to').selectOption('ACME');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('code received').waitFor();
      await page.goto((await authorize()).url.href);
      await page.getByText('code received').waitFor();
    } finally {
      await chromium.close();
    }
  });
});
