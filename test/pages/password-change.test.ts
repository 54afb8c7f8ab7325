import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { startCallbackServer } from '../support/callback-server.ts';
import { launchChromium, screenshot } from '../support/chromium.ts';
import { SEED_RULES } from '../support/seed-password-rules.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';

const SECRET = 'pw-change-secret-0123456789-0123456789';

describe('Change Password at the end of the first sign-in (seed step 14), in Chromium', () => {
  let running: RunningAdmit;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let browser: Browser;
  let app: Awaited<ReturnType<typeof startCallbackServer>>;
  let smtp: TestSmtpServer;

  async function startSignIn(page: Page, username: string, password: string) {
    const config = await oidc.discovery(new URL(running.issuer), 'rp', SECRET, undefined, { execute: [oidc.allowInsecureRequests] });
    await page.goto(
      oidc.buildAuthorizationUrl(config, {
        redirect_uri: `${app.origin}/callback`,
        scope: 'openid',
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
      }).href,
    );
    await page.getByLabel('User Name').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  async function submitChange(page: Page, old: string, next: string, confirm = next) {
    await page.getByLabel('Old Password').fill(old);
    await page.getByLabel('New Password', { exact: true }).fill(next);
    await page.getByLabel('Confirm New Password').fill(confirm);
    await page.getByRole('button', { name: 'Change Password' }).click();
  }

  const unmetRules = (page: Page) => page.locator('#password-rules li.unmet').allInnerTexts();

  beforeAll(async () => {
    app = await startCallbackServer();
    smtp = await startSmtpServer();
    running = await startAdmit({
      config: {
        sites: [{ id: 'DEMO', displayName: 'Demo', directory: { kind: 'local' } }],
        clients: [{ client_id: 'rp', client_secret: SECRET, first_party: true, redirect_uris: [`${app.origin}/callback`] }],
        mail: { transport: smtp.url, from: 'admit <no-reply@admit.test>' },
      },
    });
    const directory = createLocalDirectory({ store: running.admit.store, siteId: 'DEMO' });
    await directory.addUser({ username: 'judith', password: 'Initial#Pass1', email: 'judith@example.com', name: 'Judith' });
    await directory.addUser({ username: 'karl', password: 'Initial#Pass1' });
    chromium = await launchChromium();
    browser = chromium.browser;
  });
  afterAll(async () => {
    await chromium?.close();
    await running?.stop();
    await app?.close();
    await smtp?.stop();
  });

  it("shows the seed's fields and rules, names each unmet rule, and changes nothing until all are met", async () => {
    const page = await browser.newPage();
    await startSignIn(page, 'judith', 'Initial#Pass1');
    await page.getByRole('heading', { name: 'Change Password' }).waitFor();
    const rules = await page.locator('#password-rules li').allInnerTexts();
    for (const text of SEED_RULES)
      assert.ok(
        rules.some((shown) => shown.startsWith(text)),
        `rule shown: ${text}`,
      );
    await page.getByText('List', { exact: true }).click();
    assert.match(await page.locator('.rule-list').innerText(), /password, passwort, welcome, itron/);
    await screenshot(page, 'password-change');

    await submitChange(page, 'Initial#Pass1', 'aaab');
    assert.match(await page.getByRole('alert').innerText(), /does not meet the rules marked below/);
    const unmet = await unmetRules(page);
    for (const expected of [/Minimum length/, /special characters/, /upper and lowercase/, /numerals/, /more than twice/]) {
      assert.ok(
        unmet.some((text) => expected.test(text)),
        `${expected} marked; got ${JSON.stringify(unmet)}`,
      );
    }
    await screenshot(page, 'password-change-unmet');

    await submitChange(page, 'Initial#Pass1', 'Judith#2026x');
    assert.ok(
      (await unmetRules(page)).some((text) => /from username/.test(text)),
      'the user name rule',
    );
    await submitChange(page, 'Initial#Pass1', 'Good#Choice42', 'Good#Choice43');
    assert.match(await page.getByRole('alert').innerText(), /do not match/);
    await submitChange(page, 'Wrong#Old99', 'Good#Choice42');
    assert.match(await page.getByRole('alert').innerText(), /old password is incorrect/);

    const directory = createLocalDirectory({ store: running.admit.store, siteId: 'DEMO' });
    assert.equal((await directory.connector.verifyPassword({ username: 'judith', password: 'Initial#Pass1' })).status, 'ok', 'nothing was written yet');

    await submitChange(page, 'Initial#Pass1', 'Good#Choice42');
    await page.getByText('code received').waitFor();
    assert.equal((await directory.connector.verifyPassword({ username: 'judith', password: 'Good#Choice42' })).status, 'ok');
    assert.equal((await directory.connector.verifyPassword({ username: 'judith', password: 'Initial#Pass1' })).status, 'invalid');
    const mail = await smtp.waitFor((m) => m.to.includes('judith@example.com'));
    assert.equal(mail.subject, 'Your password was changed');
    await page.close();
  });

  it('does not ask again on the next sign-in', async () => {
    const page = await browser.newPage();
    await startSignIn(page, 'judith', 'Good#Choice42');
    await page.getByText('code received').waitFor();
    await page.close();
  });

  it('refuses a reused password by the history rule', async () => {
    const account = (await running.admit.store.get(
      `account-link:{DEMO:local:${(await createLocalDirectory({ store: running.admit.store, siteId: 'DEMO' }).findUser('judith'))!.id}}`,
    ))!;
    const result = await running.admit.passwords.change({ state: {} } as never, {
      siteId: 'DEMO',
      username: 'judith',
      accountId: account,
      oldPassword: 'Good#Choice42',
      newPassword: 'Good#Choice42',
      confirmPassword: 'Good#Choice42',
    });
    assert.equal(result.status, 'policy');
    assert.ok(result.status === 'policy' && result.failures.some((rule) => rule.id === 'history'));
  });

  it('marks exactly the rule a password misses, for every rule', async () => {
    const cases: [string, RegExp][] = [
      ['Sh0rt#x', /Minimum length/],
      ['NoSpecial42x', /special characters/],
      ['lower#case42', /upper and lowercase/],
      ['No#Numerals', /numerals/],
      ['Abc#1#cbA', /palindrome/],
      ['Triple#aaa42', /more than twice/],
      ['Initial#Pass9', /old password/],
      ['My#Welcome42', /restricted patterns/],
      ['Summer2024!', /commonly used/],
    ];
    const page = await browser.newPage();
    await startSignIn(page, 'karl', 'Initial#Pass1');
    for (const [candidate, rule] of cases) {
      await submitChange(page, 'Initial#Pass1', candidate);
      const unmet = await unmetRules(page);
      assert.ok(unmet.length >= 1 && unmet.every((text) => rule.test(text)), `${candidate}: expected only ${rule}, got ${JSON.stringify(unmet)}`);
    }
    await page.close();
  });

  it('refuses a forged or out-of-turn post to the step', async () => {
    const page = await browser.newPage();
    await startSignIn(page, 'karl', 'Initial#Pass1');
    await page.getByRole('heading', { name: 'Change Password' }).waitFor();
    const action = await page.locator('form').first().getAttribute('action');
    const forged = await page.request.post(`${running.issuer}${action}`, {
      form: { oldPassword: 'Initial#Pass1', newPassword: 'Good#Choice42', confirmPassword: 'Good#Choice42' },
    });
    assert.equal(forged.status(), 403, 'no CSRF token');
    const other = await browser.newPage();
    const stray = await other.request.post(`${running.issuer}${action}`, { form: { _csrf: 'x', oldPassword: 'a', newPassword: 'b', confirmPassword: 'b' } });
    assert.ok([400, 403].includes(stray.status()), 'another browser cannot post into this sign-in');
    await page.close();
    await other.close();
  });
});
