import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { createSessionService } from '../../src/services/sessions.ts';
import { createOidcAdapterFactory } from '../../src/store/oidc-adapter.ts';
import { enrollTotp, freshTotp } from '../admin/console-support.ts';
import { RP_CALLBACK, rpClient, signInAtRp } from '../registration/support.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, formAction, inputValue } from '../support/form-browser.ts';

const SITE = 'DEMO';

/**
 * Issue 13, item 10: every password write (the portal's Change Password,
 * Reset Password, the sign-in's Change Password) ends the account's other
 * sessions, their refresh tokens and its trusted browsers, and keeps the
 * session that made the change.
 */
describe('what a password write ends', () => {
  let running: RunningAdmit;
  const accounts = () => createAccountService({ store: running.admit.store });
  const sessions = () => createSessionService({ store: running.admit.store, provider: running.admit.provider });

  beforeAll(async () => {
    running = await startAdmit({ config: { clients: [rpClient] } });
  });
  afterAll(() => running?.stop());

  async function newUser(username: string, password: string): Promise<string> {
    const user = await createLocalDirectory({ store: running.admit.store, siteId: SITE }).addUser({
      username,
      password,
      email: `${username}@example.com`,
      name: username,
    });
    return (await accounts().linkOrCreate(SITE, 'local', { externalId: user.id, username, email: `${username}@example.com`, groups: [] })).id;
  }

  /** A relying-party sign-in in its own browser, with its tokens (a refresh token: offline_access). */
  async function appSession(username: string, password: string) {
    const browser = new FormBrowser();
    const signIn = await signInAtRp(running, browser, { username, password, site: SITE });
    assert.ok(signIn.url.searchParams.get('code'), `signed in at the application: ${signIn.html.slice(0, 300)}`);
    const tokens = await oidc.authorizationCodeGrant(signIn.config, signIn.url, { pkceCodeVerifier: signIn.verifier });
    assert.ok(tokens.refresh_token);
    return { browser, config: signIn.config, refreshToken: tokens.refresh_token };
  }

  /** The refresh grant's answer: 'ok', or the OAuth error. */
  async function refresh(config: oidc.Configuration, refreshToken: string): Promise<string> {
    try {
      await oidc.refreshTokenGrant(config, refreshToken);
      return 'ok';
    } catch (error) {
      return (error as { error?: string }).error ?? String(error);
    }
  }

  /** Signs a browser in to the portal (through admit's sign-in) on the way to `path`; answers that page. */
  async function portalPage(browser: FormBrowser, path: string, credentials?: { username: string; password: string }) {
    let { response, url } = await browser.follow(`${running.issuer}${path}`);
    let html = await response.text();
    if (url.pathname.startsWith('/interaction/')) {
      assert.ok(credentials, `not signed in at ${path}`);
      ({ response, url } = await browser.follow(new URL(formAction(html, '/login'), url), undefined, {
        form: { _csrf: inputValue(html, '_csrf'), ...credentials, site: SITE },
      }));
      html = await response.text();
    }
    assert.equal(url.pathname, path, `at ${path}: ${html.slice(0, 300)}`);
    if (credentials)
      assert.ok(
        (await sessions().list(String((await accounts().listBySite(SITE)).find((account) => account.username === credentials.username)?.id))).length > 0,
        'signed in',
      );
    return html;
  }

  /**
   * An offline_access grant (asked with prompt=consent) whose session is gone,
   * as when it expired: its refresh token still works, until a password write.
   */
  async function orphanGrant(accountId: string, username: string, password: string) {
    const before = new Set((await sessions().list(accountId)).map((session) => session.id));
    const browser = new FormBrowser();
    const signIn = await signInAtRp(running, browser, { username, password, site: SITE }, { prompt: 'consent' });
    const { url } = await browser.follow(new URL(formAction(signIn.html, '/consent'), signIn.url), (location) => location.href.startsWith(RP_CALLBACK), {
      form: { _csrf: inputValue(signIn.html, '_csrf') },
    });
    const tokens = await oidc.authorizationCodeGrant(signIn.config, url, { pkceCodeVerifier: signIn.verifier });
    assert.ok(tokens.refresh_token);
    const session = (await sessions().list(accountId)).find((candidate) => !before.has(candidate.id));
    assert.ok(session);
    await new (createOidcAdapterFactory(running.admit.store))('Session').destroy(session.id);
    const rotated = await oidc.refreshTokenGrant(signIn.config, tokens.refresh_token);
    assert.ok(rotated.refresh_token, 'the offline grant outlives its session');
    return { config: signIn.config, refreshToken: rotated.refresh_token };
  }

  async function trustABrowser(accountId: string) {
    await running.admit.mfa.trustedBrowsers.trust(accountId, { days: 30, label: 'Another laptop' });
    assert.equal((await running.admit.mfa.trustedBrowsers.list(accountId)).length, 1);
  }

  /** The rule, seen from outside: one session left (the changing browser's), every other refresh token refused, no trusted browser. */
  async function assertOnlyChangingSessionLeft(accountId: string, changing: FormBrowser, others: { config: oidc.Configuration; refreshToken: string }[]) {
    const left = await sessions().list(accountId);
    assert.equal(left.length, 1, 'only the session that made the change is left');
    for (const other of others) assert.equal(await refresh(other.config, other.refreshToken), 'invalid_grant', "another session's refresh token is refused");
    assert.deepEqual(await running.admit.mfa.trustedBrowsers.list(accountId), [], 'trusted browsers are revoked');
    // The changing browser is still signed in: the portal answers without a sign-in.
    const { url } = await changing.follow(`${running.issuer}/portal/sessions`);
    assert.equal(url.pathname, '/portal/sessions', 'the changing browser is still signed in');
  }

  it("the portal's Change Password ends the other sessions, their refresh tokens and trusted browsers, not its own", async () => {
    const accountId = await newUser('pia', 'Pia#Initial2026');
    const other = await appSession('pia', 'Pia#Initial2026');
    const orphan = await orphanGrant(accountId, 'pia', 'Pia#Initial2026');
    await trustABrowser(accountId);
    const changing = new FormBrowser();
    const form = await portalPage(changing, '/portal/password', { username: 'pia', password: 'Pia#Initial2026' });
    assert.match(form, /signs you out on your other devices and browsers/, 'the page says so before');
    assert.equal((await sessions().list(accountId)).length, 2);

    const { response } = await changing.follow(new URL(formAction(form, '/portal/password'), running.issuer), undefined, {
      form: { _csrf: inputValue(form, '_csrf'), oldPassword: 'Pia#Initial2026', newPassword: 'Pia#Changed2026!', confirmPassword: 'Pia#Changed2026!' },
    });
    const done = await response.text();
    assert.match(done, /Your password was changed\. You were signed out on your other devices and browsers\./);
    await assertOnlyChangingSessionLeft(accountId, changing, [other, orphan]);
  });

  it('Reset Password follows the same rule: the browser that reset keeps its session', async () => {
    const accountId = await newUser('rex', 'Rex#Initial2026');
    const other = await appSession('rex', 'Rex#Initial2026');
    const orphan = await orphanGrant(accountId, 'rex', 'Rex#Initial2026');
    const changing = new FormBrowser();
    await portalPage(changing, '/portal/sessions', { username: 'rex', password: 'Rex#Initial2026' });
    // The second factor that proves the reset (enrolled after the sign-ins, so they asked for none).
    const totp = await enrollTotp(running.admit.store, accountId);
    await trustABrowser(accountId);

    const start = await portalPage(changing, '/portal/reset');
    let { response, url } = await changing.follow(new URL(formAction(start, '/portal/reset'), running.issuer), undefined, {
      form: { _csrf: inputValue(start, '_csrf'), username: 'rex', site: SITE },
    });
    const prove = await response.text();
    assert.equal(url.pathname, '/portal/reset/verify', prove.slice(0, 300));
    ({ response, url } = await changing.follow(new URL(formAction(prove, '/portal/reset/verify'), running.issuer), undefined, {
      form: { _csrf: inputValue(prove, '_csrf'), source: 'app', code: await freshTotp(totp) },
    }));
    const finish = await response.text();
    assert.equal(url.pathname, '/portal/reset/finish', finish.slice(0, 300));
    ({ response } = await changing.follow(new URL(formAction(finish, '/portal/reset/finish'), running.issuer), undefined, {
      form: { _csrf: inputValue(finish, '_csrf'), newPassword: 'Rex#Reset2026!', confirmPassword: 'Rex#Reset2026!' },
    }));
    assert.match(await response.text(), /Your password was reset\. You were signed out on your other devices and browsers/);
    await assertOnlyChangingSessionLeft(accountId, changing, [other, orphan]);
  });

  it("the sign-in's Change Password (first sign-in, expiry) follows the same rule, and the sign-in goes on", async () => {
    const accountId = await newUser('sue', 'Sue#Initial2026');
    const other = await appSession('sue', 'Sue#Initial2026');
    const orphan = await orphanGrant(accountId, 'sue', 'Sue#Initial2026');
    // The changing browser is signed in already, and signs in again (prompt=login) when the password must change.
    const changing = (await appSession('sue', 'Sue#Initial2026')).browser;
    await trustABrowser(accountId);
    const account = await accounts().find(accountId);
    await accounts().save({ ...account!, passwordChangeRequired: true });

    const signIn = await signInAtRp(running, changing, { username: 'sue', password: 'Sue#Initial2026', site: SITE }, { prompt: 'login' });
    assert.match(signIn.html, /Change Password/, signIn.html.slice(0, 300));
    assert.match(signIn.html, /signs you out on your other devices and browsers/);
    const { url } = await changing.follow(new URL(formAction(signIn.html, '/password'), signIn.url), (location) => location.href.startsWith(RP_CALLBACK), {
      form: { _csrf: inputValue(signIn.html, '_csrf'), oldPassword: 'Sue#Initial2026', newPassword: 'Sue#Changed2026!', confirmPassword: 'Sue#Changed2026!' },
    });
    assert.ok(url.searchParams.get('code'), `the sign-in finished at the application: ${url.href}`);
    const tokens = await oidc.authorizationCodeGrant(signIn.config, url, { pkceCodeVerifier: signIn.verifier });
    assert.equal(await refresh(signIn.config, tokens.refresh_token!), 'ok', "the new sign-in's refresh token works");
    await assertOnlyChangingSessionLeft(accountId, changing, [other, orphan]);
  });
});
