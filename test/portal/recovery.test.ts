import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { type MfaWorld, PASSWORD, startMfaWorld } from '../mfa/mfa-world.ts';
import { launchChromium, screenshot } from '../support/chromium.ts';
import { FormBrowser, inputValue } from '../support/form-browser.ts';

/** Reset Password and Unlock Account: proved by a second factor the user enrolled, never by knowing a user name. */
describe('Reset Password and Unlock Account', () => {
  let world: MfaWorld;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let browser: Browser;

  beforeAll(async () => {
    world = await startMfaWorld();
    chromium = await launchChromium();
    browser = chromium.browser;
  });
  afterAll(async () => {
    await chromium?.close();
    await world?.stop();
  });

  const verifies = (username: string, password: string) =>
    createLocalDirectory({ store: world.running.admit.store, siteId: 'DEMO' })
      .connector.verifyPassword({ username, password })
      .then((outcome) => outcome.status);

  async function startFlow(page: Page, kind: 'Reset Password' | 'Unlock Account', username: string) {
    await page.goto(`${world.running.issuer}/portal`);
    await page.getByRole('link', { name: kind }).click();
    await page.getByLabel('User Name').fill(username);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('Prove it is you').waitFor();
  }

  async function enterCode(page: Page, source: RegExp, code: string) {
    await page.getByLabel(source).check();
    await page.getByLabel('Enter your code').fill(code);
    await page.getByRole('button', { name: 'Verify' }).click();
  }

  it('resets a forgotten password with a texted code, ends other sessions and tells the user', async () => {
    const rita = await world.enrolledUser('rita', { mobile: '2015550101' });
    // A session from before the reset.
    const before = await browser.newPage();
    await world.signIn(before, 'rita');

    const page = await browser.newPage();
    await startFlow(page, 'Reset Password', 'rita');
    await screenshot(page, 'portal-reset-prove');
    await page.getByRole('button', { name: 'Text me' }).click();
    await page.getByText('If your account has a phone for this').waitFor();
    await enterCode(page, /A text message or call/, world.codeFor('+12015550101'));
    await page.getByRole('heading', { name: 'Reset Password' }).waitFor();
    assert.equal(await page.getByLabel('Old Password').count(), 0, 'no old password on a reset');
    await page.getByLabel('New Password', { exact: true }).fill('Rita#Reset2026');
    await page.getByLabel('Confirm New Password').fill('Rita#Reset2026');
    await screenshot(page, 'portal-reset-new');
    await page.getByRole('button', { name: 'Reset Password' }).click();
    await page.getByText('Your password was reset').waitFor();

    assert.equal(await verifies('rita', 'Rita#Reset2026'), 'ok');
    assert.equal(await verifies('rita', PASSWORD), 'invalid');
    await world.smtp.waitFor((mail) => mail.to.includes('rita@example.test') && mail.subject === 'Your password was changed');
    assert.deepEqual(await world.running.admit.store.get(`oidc:account-sessions:{${rita.accountId}}`), undefined);
    await before.goto(await world.authorizeUrl());
    await before.getByRole('heading', { name: 'Sign in' }).waitFor();
    await before.close();
    await page.close();
  });

  it('accepts an authenticator-app code and a recovery code (once)', async () => {
    const sam = await world.enrolledUser('sam', { mobile: '2015550102', app: true, recovery: true });
    for (const [source, code] of [
      [/My authenticator app/, await world.appCode(sam.secret!)],
      [/My recovery codes/, sam.recoveryCodes[0]!],
    ] as const) {
      const page = await browser.newPage();
      await startFlow(page, 'Reset Password', 'sam');
      await enterCode(page, source, code);
      await page.getByLabel('New Password', { exact: true }).waitFor();
      await page.close();
    }
    const replay = await browser.newPage();
    await startFlow(replay, 'Reset Password', 'sam');
    await enterCode(replay, /My recovery codes/, sam.recoveryCodes[0]!);
    assert.match(await replay.getByRole('alert').innerText(), /code is not right/);
    await replay.close();
  });

  it('answers an unknown user exactly as a known one, and never lets it through', async () => {
    await world.enrolledUser('tara', { mobile: '2015550103' });
    const pageText = async (username: string) => {
      const http = new FormBrowser();
      const start = await http.follow(`${world.running.issuer}/portal/reset`);
      const html = await start.response.text();
      const prove = await http.follow(`${world.running.issuer}/portal/reset`, undefined, {
        form: { _csrf: inputValue(html, '_csrf'), username, site: 'DEMO' },
      });
      const proveHtml = await prove.response.text();
      const sent = await http.follow(`${world.running.issuer}/portal/reset/send`, undefined, {
        form: { _csrf: inputValue(proveHtml, '_csrf'), channel: 'sms' },
      });
      const sentHtml = await sent.response.text();
      const wrong = await http.request(`${world.running.issuer}/portal/reset/verify`, {
        form: { _csrf: inputValue(sentHtml, '_csrf'), source: 'phone', code: '123456' },
      });
      const strip = (text: string) => text.replace(/value="[^"]*"/g, '').replace(/Request [0-9a-f-]+/g, '');
      return { prove: strip(proveHtml), sent: strip(sentHtml), wrongStatus: wrong.status, wrong: strip(await wrong.text()) };
    };
    const known = await pageText('tara');
    const unknown = await pageText('nobody-here');
    assert.equal(unknown.prove, known.prove);
    assert.equal(unknown.sent, known.sent);
    assert.equal(unknown.wrongStatus, known.wrongStatus);
    assert.equal(unknown.wrong, known.wrong);
  });

  it('ends the flow after 5 wrong codes, refuses the finish without proof, and binds texted codes to their flow', async () => {
    await world.enrolledUser('uma', { mobile: '2015550104' });
    const page = await browser.newPage();
    await startFlow(page, 'Reset Password', 'uma');
    for (let attempt = 0; attempt < 5; attempt += 1) await enterCode(page, /A text message or call/, '000000');
    await enterCode(page, /A text message or call/, '000000');
    assert.match(await page.locator('main').innerText(), /Too many/);

    const skip = await page.goto(`${world.running.issuer}/portal/reset/finish`);
    assert.equal(skip?.status(), 400);

    // A code texted for one flow does not prove another.
    const first = await browser.newPage();
    await startFlow(first, 'Reset Password', 'uma');
    await first.getByRole('button', { name: 'Text me' }).click();
    await first.getByText('If your account has a phone').waitFor();
    const code = world.codeFor('+12015550104');
    const second = await browser.newPage();
    await startFlow(second, 'Reset Password', 'uma');
    await enterCode(second, /A text message or call/, code);
    assert.match(await second.getByRole('alert').innerText(), /code is not right/);
    await Promise.all([page.close(), first.close(), second.close()]);
  });

  it('unlocks an account locked by failed sign-ins, after a second factor', async () => {
    const vera = await world.enrolledUser('vera', { mobile: '2015550105', app: true });
    const page = await browser.newPage();
    for (let attempt = 0; attempt < 6; attempt += 1) {
      await page.goto(await world.authorizeUrl());
      await page.getByLabel('User Name').fill('vera');
      await page.getByLabel('Password').fill('wrong-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
    }
    assert.match(await page.getByRole('alert').innerText(), /Too many sign-in attempts/);

    await startFlow(page, 'Unlock Account', 'vera');
    await enterCode(page, /My authenticator app/, await world.appCode(vera.secret!));
    await page.getByRole('button', { name: 'Unlock Account' }).click();
    await page.getByText('it is unlocked now').waitFor();
    await screenshot(page, 'portal-unlocked');
    await world.smtp.waitFor((mail) => mail.to.includes('vera@example.test') && mail.subject === 'Your account was unlocked');

    await page.goto(await world.authorizeUrl());
    await page.getByLabel('User Name').fill('vera');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByText('Too many sign-in attempts')
      .waitFor({ state: 'detached', timeout: 5000 })
      .catch(() => undefined);
    assert.doesNotMatch(await page.locator('main').innerText(), /Too many sign-in attempts/);
    await page.close();
  });
});
