import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { launchChromium, screenshot } from '../support/chromium.ts';
import { confirmSignOutAtAdmit, RP_USER, signInAtAdmit } from './rp-browser.ts';
import { planSpa, type RunningSpa, spaClient, startSpa, userManagerSettings } from './spa-server.ts';

const CLIENT_ID = 'spa';
// admit's shortest access token; oidc-client-ts renews when fewer than 57 s are left, i.e. about 3 s after sign-in.
const ACCESS_TOKEN_SECONDS = 60;
const EXPIRING_NOTIFICATION_SECONDS = 57;

interface Exchange {
  url: string;
  method: string;
  body: URLSearchParams;
  status?: number;
  allowOrigin?: string;
}
interface SpaUser {
  access_token: string;
  refresh_token?: string;
  scope?: string;
}
/** What the app page exposes (spa-server.ts): its UserManager and the events it raised. */
interface AppGlobal {
  app: { mgr: { getUser(): Promise<SpaUser | null>; signinSilent(): Promise<SpaUser | null> }; events: { name: string; error?: string }[] };
}

/** Every request the page makes to admit, with the CORS header of its answer. */
function exchangesWithAdmit(page: Page, issuer: string): Exchange[] {
  const seen: Exchange[] = [];
  page.on('response', (response) => {
    const request = response.request();
    if (!request.url().startsWith(issuer)) return;
    seen.push({
      url: request.url(),
      method: request.method(),
      body: new URLSearchParams(request.postData() ?? ''),
      status: response.status(),
      allowOrigin: response.headers()['access-control-allow-origin'],
    });
  });
  return seen;
}

const currentUser = (page: Page) =>
  page.evaluate(async () => {
    const user = await (globalThis as unknown as AppGlobal).app.mgr.getUser();
    return user && { access_token: user.access_token, refresh_token: user.refresh_token, scope: user.scope };
  });

/**
 * A browser single-page app on oidc-client-ts (its own browser bundle,
 * served from node_modules on another loopback origin) as a public client:
 * code + PKCE from the browser, CORS for its origin only, silent renewal by
 * refresh token, sign-out.
 */
describe('a single-page app on oidc-client-ts as a public client', () => {
  let running: RunningAdmit;
  let spa: RunningSpa;
  let foreign: RunningSpa;
  let browser: Browser;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let endpoints: { authorization_endpoint: string; token_endpoint: string; userinfo_endpoint: string };

  beforeAll(async () => {
    const plan = await planSpa();
    running = await startAdmit({ config: { tokens: { accessTokenSeconds: ACCESS_TOKEN_SECONDS }, clients: [spaClient(plan, CLIENT_ID)] } });
    await createLocalDirectory({ store: running.admit.store, siteId: 'DEMO' }).addUser(RP_USER);
    spa = await startSpa(plan, userManagerSettings(plan, running.issuer, CLIENT_ID, EXPIRING_NOTIFICATION_SECONDS));
    foreign = await startSpa(await planSpa());
    endpoints = (await (await fetch(`${running.issuer}/.well-known/openid-configuration`)).json()) as typeof endpoints;
    chromium = await launchChromium();
    browser = chromium.browser;
  });
  afterAll(async () => {
    await chromium?.close();
    await spa?.close();
    await foreign?.close();
    await running?.stop();
  });

  async function signedInToSpa(): Promise<{ page: Page; exchanges: Exchange[]; user: SpaUser }> {
    const page = await (await browser.newContext()).newPage();
    const exchanges = exchangesWithAdmit(page, running.issuer);
    await page.goto(spa.origin);
    await page.getByText('Signed out').waitFor();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${running.issuer}/interaction/`));
    await signInAtAdmit(page);
    await page.waitForURL(`${spa.origin}/`);
    await page.getByText(`Signed in as ${RP_USER.name} <${RP_USER.email}>`).waitFor();
    const user = await currentUser(page);
    assert.ok(user?.access_token);
    return { page, exchanges, user };
  }

  const tokenRequests = (exchanges: Exchange[], grant: string) =>
    exchanges.filter((exchange) => exchange.url === endpoints.token_endpoint && exchange.method === 'POST' && exchange.body.get('grant_type') === grant);

  it('signs in with code + PKCE from the browser, and calls the token and userinfo endpoints across origins', async () => {
    const { page, exchanges, user } = await signedInToSpa();
    await screenshot(page, 'rp-spa-signed-in');
    const authorize = new URL(exchanges.find((exchange) => exchange.url.startsWith(endpoints.authorization_endpoint))!.url);
    assert.equal(authorize.searchParams.get('client_id'), CLIENT_ID);
    assert.equal(authorize.searchParams.get('response_type'), 'code');
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.match(authorize.searchParams.get('code_challenge') ?? '', /^[\w-]{43}$/);

    const [token] = tokenRequests(exchanges, 'authorization_code');
    assert.ok(token, 'the browser redeemed the code itself');
    assert.match(token.body.get('code_verifier') ?? '', /^[\w.~-]{43,128}$/);
    assert.equal(token.body.get('client_id'), CLIENT_ID);
    assert.equal(token.body.get('client_secret'), null, 'a public client has no secret');
    assert.equal(token.status, 200);
    assert.equal(token.allowOrigin, spa.origin, "the token endpoint allows the app's origin");

    const userinfo = exchanges.find((exchange) => exchange.url === endpoints.userinfo_endpoint && exchange.method === 'GET');
    assert.equal(userinfo?.status, 200);
    assert.equal(userinfo?.allowOrigin, spa.origin, "the userinfo endpoint allows the app's origin");
    assert.ok(user.refresh_token, 'a first-party app gets a refresh token');
  });

  it('renews silently with its refresh token before the access token expires', async () => {
    const { page, exchanges, user } = await signedInToSpa();
    const authorizeRequests = () => exchanges.filter((exchange) => exchange.url.startsWith(endpoints.authorization_endpoint)).length;
    const before = authorizeRequests();
    // oidc-client-ts raises AccessTokenExpiring, renews, and raises UserLoaded with the new tokens.
    await page.waitForFunction(
      () => (globalThis as unknown as AppGlobal).app.events.some((event) => ['UserLoaded', 'SilentRenewError'].includes(event.name)),
      undefined,
      { timeout: 20_000 },
    );
    const events = await page.evaluate(() => (globalThis as unknown as AppGlobal).app.events);
    assert.deepEqual(
      events.filter((event) => event.name === 'SilentRenewError'),
      [],
      `renewal failed: ${JSON.stringify(events)}`,
    );
    const [refresh] = tokenRequests(exchanges, 'refresh_token');
    assert.ok(refresh, 'renewed by a refresh_token grant');
    assert.equal(refresh.status, 200, `refresh with scope "${refresh.body.get('scope')}"`);
    assert.equal(refresh.allowOrigin, spa.origin);
    assert.equal(authorizeRequests(), before, 'no hidden iframe to the authorization endpoint');
    const renewed = await currentUser(page);
    assert.notEqual(renewed?.access_token, user.access_token);
    assert.notEqual(renewed?.refresh_token, user.refresh_token, 'refresh tokens rotate');
    await page.getByText(`Signed in as ${RP_USER.name}`).waitFor();
  });

  it("answers CORS for the app's origin only: another origin can call neither the token nor the userinfo endpoint", async () => {
    const { page, user } = await signedInToSpa();
    const other = await page.context().newPage();
    await other.goto(foreign.origin);
    const attempts = await other.evaluate(
      async ({ token, userinfo, clientId, refreshToken, accessToken }) => {
        const attempt = (request: Promise<Response>) =>
          request.then(
            (response) => `answered ${response.status}`,
            (error: Error) => `blocked: ${error.name}`,
          );
        return {
          token: await attempt(
            fetch(token, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken }) }),
          ),
          userinfo: await attempt(fetch(userinfo, { headers: { authorization: `Bearer ${accessToken}` } })),
        };
      },
      {
        token: endpoints.token_endpoint,
        userinfo: endpoints.userinfo_endpoint,
        clientId: CLIENT_ID,
        refreshToken: user.refresh_token!,
        accessToken: user.access_token,
      },
    );
    assert.deepEqual(attempts, { token: 'blocked: TypeError', userinfo: 'blocked: TypeError' }, 'Chromium refuses both answers to the other origin');

    // What admit answers, header by header.
    const tokenCall = (origin: string) =>
      fetch(endpoints.token_endpoint, {
        method: 'POST',
        headers: { origin },
        body: new URLSearchParams({ grant_type: 'refresh_token', client_id: CLIENT_ID, refresh_token: 'not-a-token' }),
      });
    const userinfoCall = (origin: string) => fetch(endpoints.userinfo_endpoint, { headers: { origin, authorization: `Bearer ${user.access_token}` } });
    for (const call of [tokenCall, userinfoCall]) {
      const fromElsewhere = await call(foreign.origin);
      assert.equal(fromElsewhere.headers.get('access-control-allow-origin'), null, `${call.name}: no Access-Control-Allow-Origin for ${foreign.origin}`);
      assert.equal(fromElsewhere.status, 400);
      assert.match(((await fromElsewhere.json()) as { error_description: string }).error_description, /origin .* not allowed/);
      const fromApp = await call(spa.origin);
      assert.equal(fromApp.headers.get('access-control-allow-origin'), spa.origin, call.name);
    }

    // The refused calls used nothing up: the app still renews with the same refresh token.
    const renewed = await page.evaluate(() => (globalThis as unknown as AppGlobal).app.mgr.signinSilent().then((next) => next?.access_token));
    assert.ok(renewed && renewed !== user.access_token);
  });

  it("signs out through admit's end-session page, and the refresh token dies with the session", async () => {
    const { page } = await signedInToSpa();
    const { refresh_token: refreshToken } = (await currentUser(page))!;
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${running.issuer}/session/end`));
    await confirmSignOutAtAdmit(page);
    await page.waitForURL(`${spa.origin}/`);
    await page.getByText('Signed out').waitFor();
    assert.equal(await currentUser(page), null);

    const refresh = await fetch(endpoints.token_endpoint, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: CLIENT_ID, refresh_token: refreshToken! }),
    });
    assert.equal(refresh.status, 400);
    assert.equal(((await refresh.json()) as { error: string }).error, 'invalid_grant');
    // Signing in again asks for the password: the admit session ended too.
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.href.startsWith(`${running.issuer}/interaction/`));
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  });
});
