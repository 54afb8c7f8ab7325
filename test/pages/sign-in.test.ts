import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { startCallbackServer } from '../support/callback-server.ts';
import { launchChromium, screenshot } from '../support/chromium.ts';

const SECRET = 'page-test-secret-0123456789-0123456789';

describe('the Sign in page in Chromium', () => {
  let running: RunningAdmit;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let browser: Browser;
  let app: Awaited<ReturnType<typeof startCallbackServer>>;

  async function authorizeUrl(clientId: string): Promise<string> {
    const config = await oidc.discovery(new URL(running.issuer), clientId, SECRET, undefined, { execute: [oidc.allowInsecureRequests] });
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: `${app.origin}/callback`,
      scope: 'openid profile email',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      state: oidc.randomState(),
    }).href;
  }

  beforeAll(async () => {
    app = await startCallbackServer();
    const client = (id: string, firstParty: boolean) => ({
      client_id: id,
      client_name: firstParty ? 'Customer Center' : 'Partner Analytics',
      client_secret: SECRET,
      first_party: firstParty,
      redirect_uris: [`${app.origin}/callback`],
    });
    running = await startAdmit({
      config: {
        sites: [
          { id: 'ITRONMS', displayName: 'ITRONMS', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false } },
          { id: 'ROSENPAMI', displayName: 'ROSENPAMI', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false } },
        ],
        clients: [client('first', true), client('third', false)],
      },
    });
    await createLocalDirectory({ store: running.admit.store, siteId: 'ROSENPAMI' }).addUser({ username: 'bob', password: 'Bob-Password-42', name: 'Bob' });
    chromium = await launchChromium();
    browser = chromium.browser;
  });
  afterAll(async () => {
    await chromium?.close();
    await running?.stop();
    await app?.close();
  });

  it("shows the seed's fields and signs a user in to the chosen site", async () => {
    const page = await browser.newPage();
    await page.goto(await authorizeUrl('first'));
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    assert.deepEqual(await page.getByLabel('Log on to').locator('option').allTextContents(), ['ITRONMS', 'ROSENPAMI']);
    // The seed's links under the form.
    for (const [link, text] of [
      ['Reset Password', 'Reset your forgotten password'],
      ['Unlock Account', 'Unlock your locked out account'],
    ] as const) {
      await page.getByRole('link', { name: link }).waitFor();
      await page.getByText(text).waitFor();
    }
    // Neither site takes access requests (signUp.mode open): no "User Registration" (test/ui/sign-up-mail.chromium.test.ts has the other case).
    assert.equal(await page.getByRole('link', { name: 'User Registration' }).count(), 0);
    await screenshot(page, 'sign-in');

    await page.getByLabel('User Name').fill('bob');
    await page.getByLabel('Password').fill('Bob-Password-42');
    await page.getByLabel('Log on to').selectOption('ROSENPAMI');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('code received').waitFor();
    await page.close();
  });

  it('gives one message for a wrong password, a wrong user and a wrong site, and keeps the user name', async () => {
    const page = await browser.newPage();
    await page.goto(await authorizeUrl('first'));
    const attempts = [
      { username: 'bob', password: 'wrong-password', site: 'ROSENPAMI' },
      { username: 'nobody', password: 'Bob-Password-42', site: 'ROSENPAMI' },
      { username: 'bob', password: 'Bob-Password-42', site: 'ITRONMS' },
    ];
    const messages: string[] = [];
    for (const attempt of attempts) {
      await page.getByLabel('User Name').fill(attempt.username);
      await page.getByLabel('Password').fill(attempt.password);
      await page.getByLabel('Log on to').selectOption(attempt.site);
      await page.getByRole('button', { name: 'Sign in' }).click();
      messages.push(await page.getByRole('alert').innerText());
      assert.equal(await page.getByLabel('User Name').inputValue(), attempt.username);
      assert.equal(await page.getByLabel('Password').inputValue(), '', 'the password is never echoed back');
    }
    assert.equal(new Set(messages).size, 1, `one message for every failure, got ${JSON.stringify(messages)}`);
    await screenshot(page, 'sign-in-failed');
    await page.close();
  });

  it('asks for every field when one is empty', async () => {
    const page = await browser.newPage();
    await page.goto(await authorizeUrl('first'));
    await page.getByLabel('User Name').fill('bob');
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.match(await page.getByRole('alert').innerText(), /Fill in every field/);
    await page.close();
  });

  it('shows consent to a third-party application and returns to it after Allow', async () => {
    const page = await browser.newPage();
    await page.goto(await authorizeUrl('third'));
    await page.getByLabel('User Name').fill('bob');
    await page.getByLabel('Password').fill('Bob-Password-42');
    await page.getByLabel('Log on to').selectOption('ROSENPAMI');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Allow access?' }).waitFor();
    assert.match(await page.locator('main').innerText(), /Partner Analytics/);
    await screenshot(page, 'consent');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByText('code received').waitFor();
    await page.close();
  });

  it('returns access_denied to the application when the user cancels', async () => {
    const page = await browser.newPage();
    await page.goto(await authorizeUrl('first'));
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByText('error: access_denied').waitFor();
    await page.close();
  });

  it('shows "start the sign-in again" for an unknown or finished interaction, without a stack trace', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${running.issuer}/interaction/not-a-real-interaction`);
    assert.equal(response?.status(), 400);
    await page.getByRole('heading', { name: 'Start the sign-in again' }).waitFor();
    assert.doesNotMatch(await page.content(), /at .*\.(ts|js):\d+/);
    await screenshot(page, 'interaction-expired');
    await page.close();
  });
});
