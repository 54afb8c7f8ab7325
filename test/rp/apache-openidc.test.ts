import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { apacheClient, planApache, type RunningApache, startApache } from '../support/apache-openidc.ts';
import { launchChromium, screenshot } from '../support/chromium.ts';
import { confirmSignOutAtAdmit, RP_USER, requestsTo, signInAtAdmit } from './rp-browser.ts';

const CLIENT_ID = 'apache-app';
const CLIENT_SECRET = 'apache-secret-0123456789-0123456789-abcd';
// What deployments of mod_auth_openidc typically ask for; it sends this scope again on every refresh.
const SCOPE = 'openid profile email tenant groups offline_access';
// admit's shortest access token (60 s); mod_auth_openidc refreshes once fewer than 55 s are left, i.e. 5 s after issue.
const ACCESS_TOKEN_SECONDS = 60;
const REFRESH_BEFORE_EXPIRY = 55;
// A user of their own for the portal test, so their sessions are only the two it makes.
const OTTO = { username: 'otto', password: 'Otto#Apps2026', name: 'Otto Other', email: 'otto@example.com' };

/** The protected CGI's output: the OIDC_* environment mod_auth_openidc gave it. */
async function environment(page: Page): Promise<Record<string, string>> {
  const text = await page.locator('body').innerText();
  return Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => {
        const at = line.indexOf('=');
        return [line.slice(0, at), line.slice(at + 1)];
      }),
  );
}

/**
 * Apache httpd with mod_auth_openidc (Debian's 2.4.12), a relying party
 * nobody here wrote, signing users in through admit's real pages in Chromium.
 */
describe('Apache mod_auth_openidc as a relying party', () => {
  let running: RunningAdmit;
  let apache: RunningApache;
  let browser: Browser;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    const plan = await planApache();
    running = await startAdmit({
      config: {
        tokens: { accessTokenSeconds: ACCESS_TOKEN_SECONDS },
        clients: [apacheClient(plan, CLIENT_ID, CLIENT_SECRET)],
      },
    });
    const directory = createLocalDirectory({ store: running.admit.store, siteId: 'DEMO' });
    await directory.addUser(RP_USER);
    await directory.addUser(OTTO);
    apache = await startApache(plan, {
      issuer: running.issuer,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      scope: SCOPE,
      refreshBeforeExpiry: REFRESH_BEFORE_EXPIRY,
    });
    chromium = await launchChromium();
    browser = chromium.browser;
  });
  afterAll(async () => {
    await chromium?.close();
    await apache?.stop();
    await running?.stop();
  });

  /** A fresh browser profile signed in to the Apache application; returns the page showing its environment. */
  async function signedInToApache(
    user: { username: string; password: string } = RP_USER,
  ): Promise<{ page: Page; env: Record<string, string>; context: BrowserContext }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(apache.appUrl);
    assert.ok(page.url().startsWith(`${running.issuer}/interaction/`), `Apache sends the browser to admit's sign-in, got ${page.url()}`);
    await signInAtAdmit(page, user);
    await page.waitForURL(apache.appUrl);
    const env = await environment(page);
    assert.ok(env.OIDC_access_token, `mod_auth_openidc has a session: ${JSON.stringify(env)}\n${apache.errorLog()}`);
    return { page, env, context };
  }

  async function introspect(token: string): Promise<Record<string, unknown>> {
    const response = await fetch(`${running.issuer}/token/introspection`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token }),
    });
    return (await response.json()) as Record<string, unknown>;
  }

  it("signs in through admit's pages and passes the claims to the application's environment", async () => {
    const { page, env } = await signedInToApache();
    await screenshot(page, 'rp-apache-environment');
    assert.equal(env.OIDC_CLAIM_iss, running.issuer);
    assert.equal(env.OIDC_CLAIM_aud, CLIENT_ID);
    assert.match(env.OIDC_CLAIM_sub ?? '', /^.{8,}$/);
    assert.equal(env.REMOTE_USER, env.OIDC_CLAIM_sub, 'OIDCRemoteUserClaim sub');
    assert.equal(env.OIDC_CLAIM_name, RP_USER.name);
    assert.equal(env.OIDC_CLAIM_email, RP_USER.email);
    assert.equal(env.OIDC_CLAIM_tenant, 'DEMO');
    assert.equal(env.OIDC_CLAIM_groups, 'staff');
    assert.equal(env.OIDC_CLAIM_amr, 'pwd');
    assert.equal(env.OIDC_CLAIM_acr, 'urn:admit:acr:pwd');
    const token = await introspect(env.OIDC_access_token!);
    assert.equal(token.active, true, "the access token mod_auth_openidc holds is admit's");
    assert.equal(token.sub, env.OIDC_CLAIM_sub);
  });

  it('reuses its session: a second request is served without a trip to admit', async () => {
    const { page, env } = await signedInToApache();
    const toAdmit = requestsTo(page, running.issuer);
    await page.goto(apache.appUrl);
    assert.equal(page.url(), apache.appUrl);
    const again = await environment(page);
    assert.deepEqual(toAdmit, [], 'no request reached admit');
    assert.equal(again.OIDC_CLAIM_sub, env.OIDC_CLAIM_sub);
    assert.equal(again.OIDC_access_token, env.OIDC_access_token, 'the same access token: nothing was refreshed yet');
  });

  it("refreshes on request (the redirect URI's ?refresh=) with the scope it signed in with", async () => {
    const { page, env } = await signedInToApache();
    const refresh = new URL(apache.redirectUri);
    refresh.search = new URLSearchParams({ refresh: apache.appUrl, access_token: env.OIDC_access_token! }).toString();
    await page.goto(refresh.href);
    assert.equal(page.url(), apache.appUrl, `back at the application without an error (error_code=refresh_failed otherwise)\n${apache.errorLog()}`);
    const after = await environment(page);
    assert.notEqual(after.OIDC_access_token, env.OIDC_access_token, `a new access token\n${apache.errorLog()}`);
    assert.equal((await introspect(after.OIDC_access_token!)).active, true);
    assert.equal(after.OIDC_CLAIM_sub, env.OIDC_CLAIM_sub);
  });

  it('refreshes by itself when the access token is about to expire (OIDCRefreshAccessTokenBeforeExpiry)', async () => {
    const { page, env } = await signedInToApache();
    const expires = Number(env.OIDC_access_token_expires);
    assert.ok(expires > Date.now() / 1000, `OIDC_access_token_expires is the token's expiry: ${env.OIDC_access_token_expires}`);
    // Wait until fewer than REFRESH_BEFORE_EXPIRY seconds are left (about 5 s).
    await sleep(Math.max(0, (expires - REFRESH_BEFORE_EXPIRY + 1) * 1000 - Date.now()));
    await page.goto(apache.appUrl);
    assert.equal(page.url(), apache.appUrl);
    const after = await environment(page);
    assert.notEqual(after.OIDC_access_token, env.OIDC_access_token, `mod_auth_openidc refreshed the access token\n${apache.errorLog()}`);
    assert.ok(Number(after.OIDC_access_token_expires) > expires, 'the new token lives longer');
    assert.equal((await introspect(after.OIDC_access_token!)).active, true);
  });

  it('signs out through admit (RP-initiated logout from ?logout=) and then asks for a sign-in again', async () => {
    const { page } = await signedInToApache();
    const logout = new URL(apache.redirectUri);
    logout.search = new URLSearchParams({ logout: apache.signedOutUrl }).toString();
    await page.goto(logout.href);
    assert.ok(page.url().startsWith(`${running.issuer}/session/end`), `mod_auth_openidc sends the browser to admit's end_session_endpoint, got ${page.url()}`);
    await confirmSignOutAtAdmit(page);
    await page.waitForURL(apache.signedOutUrl);
    await page.getByRole('heading', { name: 'Signed out of the Apache application' }).waitFor();
    await page.goto(apache.appUrl);
    assert.ok(page.url().startsWith(`${running.issuer}/interaction/`), 'Apache asks admit again, and admit asks for the password');
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });

  it('ends its session on back-channel logout when another browser signs that session out in the portal', async () => {
    const apacheSide = await signedInToApache(OTTO);
    // The same user, elsewhere: the Self Service Portal's Sessions & Devices.
    const elsewhere = await browser.newContext();
    const portal = await elsewhere.newPage();
    await portal.goto(`${running.issuer}/portal/sessions`);
    await signInAtAdmit(portal, OTTO);
    await portal.getByRole('heading', { name: 'Sessions & Devices' }).waitFor();
    // Sessions & Devices names the application by its client_name, and marks the portal's own browser "This browser".
    const otherSession = portal.locator('#sessions tbody tr').filter({ hasNotText: 'This browser' }).filter({ hasText: 'Apache mod_auth_openidc' });
    assert.equal(await otherSession.count(), 1, "the Apache browser's session is listed with the application");
    await otherSession.getByRole('button', { name: /Sign out/ }).click();
    await portal.getByText('That session is signed out.').waitFor();
    // The notice to Apache leaves through the outbox (the sign-out does not wait for the application): deliver it now.
    await running.admit.outboxWorker.drain();

    // Apache's own session is gone: its next request goes to admit, which asks for the password.
    await apacheSide.page.goto(apache.appUrl);
    assert.ok(
      apacheSide.page.url().startsWith(`${running.issuer}/interaction/`),
      `the Apache session ended, got ${apacheSide.page.url()}\n${apache.errorLog()}`,
    );
    await apacheSide.page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });

  it('ends its session on back-channel logout when the user signs out of another application (the portal)', async () => {
    const { page } = await signedInToApache();
    // The portal is another client of the same admit session: no password asked.
    await page.goto(`${running.issuer}/portal/sessions`);
    await page.getByRole('heading', { name: 'Sessions & Devices' }).waitFor();
    await page.goto(`${running.issuer}/portal`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await confirmSignOutAtAdmit(page);
    await page.waitForURL(`${running.issuer}/portal`);
    await page.goto(apache.appUrl);
    assert.ok(
      page.url().startsWith(`${running.issuer}/interaction/`),
      `the Apache session ended with the admit session, got ${page.url()}\n${apache.errorLog()}`,
    );
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });
});
