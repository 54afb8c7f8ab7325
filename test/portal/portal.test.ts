import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { launchChromium, screenshot } from '../support/chromium.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';

describe('the self-service portal in Chromium', () => {
  let running: RunningAdmit;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let browser: Browser;
  let smtp: TestSmtpServer;

  async function signIn(page: Page, username: string, password: string) {
    await page.getByLabel('User Name').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  beforeAll(async () => {
    smtp = await startSmtpServer();
    running = await startAdmit({ config: { mail: { transport: smtp.url, from: 'admit <no-reply@admit.test>' } } });
    const directory = createLocalDirectory({ store: running.admit.store, siteId: 'DEMO' });
    await directory.addUser({ username: 'leo', password: 'Leo#Initial42', name: 'Leo', email: 'leo@example.com' });
    await directory.addUser({ username: 'mia', password: 'Mia#Initial42', name: 'Mia', email: 'mia@example.com' });
    await directory.addUser({ username: 'ned', password: 'Ned#Initial42', name: 'Ned', email: 'ned@example.com' });
    for (const name of ['olga', 'pamela', 'quinn']) await directory.addUser({ username: name, password: 'Portal#Pass42' });
    chromium = await launchChromium();
    browser = chromium.browser;
  });
  afterAll(async () => {
    await chromium?.close();
    await running?.stop();
    await smtp?.stop();
  });

  it("shows the seed's front page with its links", async () => {
    const page = await browser.newPage();
    await page.goto(`${running.issuer}/`);
    await page.getByRole('heading', { name: 'Update Your Profile Efficiently' }).waitFor();
    // DEMO takes no access requests (signUp.mode open): no "User Registration" (test/ui/sign-up-mail.chromium.test.ts shows it where a site does).
    assert.equal(await page.getByRole('link', { name: 'User Registration' }).count(), 0);
    for (const [link, text] of [
      ['Self Update', 'Update your contact information'],
      ['Change Password', 'Change your password using current password'],
      ['Reset Password', 'Reset your forgotten password'],
      ['Unlock Account', 'Unlock your locked out account'],
    ] as const) {
      await page.getByRole('link', { name: link }).waitFor();
      await page.getByText(text).waitFor();
    }
    await screenshot(page, 'portal-home');
    await page.close();
  });

  it('changes the password of a signed-in user after sending them through sign-in', async () => {
    const page = await browser.newPage();
    await page.goto(`${running.issuer}/portal`);
    await page.getByRole('link', { name: 'Change Password' }).click();
    await signIn(page, 'leo', 'Leo#Initial42');
    await page.getByRole('heading', { name: 'Change Password' }).waitFor();
    assert.match(page.url(), /\/portal\/password$/, 'back where the user was going');
    await page.getByLabel('Old Password').fill('Leo#Initial42');
    await page.getByLabel('New Password', { exact: true }).fill('Leo#Changed2026');
    await page.getByLabel('Confirm New Password').fill('Leo#Changed2026');
    await page.getByRole('button', { name: 'Change Password' }).click();
    await page.getByRole('heading', { name: 'Password changed' }).waitFor();
    // What the change ended (the password service's one rule; test/portal/password-writes.test.ts checks it happened).
    await page.getByText('You were signed out on your other devices and browsers.').waitFor();
    const directory = createLocalDirectory({ store: running.admit.store, siteId: 'DEMO' });
    assert.equal((await directory.connector.verifyPassword({ username: 'leo', password: 'Leo#Changed2026' })).status, 'ok');
    await smtp.waitFor((mail) => mail.to.includes('leo@example.com') && mail.subject === 'Your password was changed');
    await page.close();
  });

  it('updates the name at once, and the email only after the code sent to the new address', async () => {
    const page = await browser.newPage();
    await page.goto(`${running.issuer}/portal/profile`);
    await signIn(page, 'mia', 'Mia#Initial42');
    await page.getByRole('heading', { name: 'Self Update' }).waitFor();
    await page.getByLabel('Name').fill('Mia Wallace');
    await page.getByLabel('Email').fill('mia.new@example.com');
    await page.getByLabel('Phone').fill('');
    await screenshot(page, 'portal-self-update');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByLabel('Enter your 6-digit code').waitFor();
    const mail = await smtp.waitFor((m) => m.to.includes('mia.new@example.com'));
    const code = /\b(\d{6})\b/.exec(mail.text)?.[1];
    assert.ok(code);
    const accountOf = async () => {
      const user = await createLocalDirectory({ store: running.admit.store, siteId: 'DEMO' }).findUser('mia');
      const id = await running.admit.store.get(`account-link:{DEMO:local:${user!.id}}`);
      return JSON.parse((await running.admit.store.get(`account:{${id}}`))!) as { name: string; email: string; emailVerified: boolean };
    };
    assert.equal((await accountOf()).email, 'mia@example.com', 'not replaced before the code');
    assert.equal((await accountOf()).name, 'Mia Wallace');

    await page.getByLabel('Enter your 6-digit code').fill(code === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    assert.match(await page.getByRole('alert').innerText(), /code is not right/);
    await page.getByLabel('Enter your 6-digit code').fill(code);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Contact details updated' }).waitFor();
    const account = await accountOf();
    assert.equal(account.email, 'mia.new@example.com');
    assert.equal(account.emailVerified, true);
    const told = await smtp.waitFor((m) => m.to.includes('mia@example.com') && m.subject === 'Your contact details were changed');
    assert.match(told.text, /mia\.new@example\.com/);

    // The code is single use.
    const replay = await page.request.post(`${running.issuer}/portal/profile/verify/email`, { form: { _csrf: 'x', code } });
    assert.equal(replay.status(), 403, 'no CSRF token, no change');
    await page.close();
  });

  it('refuses bad profile input with a clear message and changes nothing', async () => {
    const page = await browser.newPage();
    await page.goto(`${running.issuer}/portal/profile`);
    await signIn(page, 'ned', 'Ned#Initial42');
    for (const [field, value, message] of [
      ['Email', 'not-an-email', /valid email/],
      ['Phone', '12', /valid phone/],
      ['Name', '', /Fill in every field/],
    ] as const) {
      await page.goto(`${running.issuer}/portal/profile`);
      await page.getByLabel(field).fill(value);
      await page.getByRole('button', { name: 'Save' }).click();
      assert.match(await page.getByRole('alert').innerText(), message);
    }
    await page.goto(`${running.issuer}/portal/profile`);
    assert.equal(await page.getByLabel('Name').inputValue(), 'Ned');
    await page.close();
  });

  it('limits guesses of the email code', async () => {
    const page = await browser.newPage();
    await page.goto(`${running.issuer}/portal/profile`);
    await signIn(page, 'ned', 'Ned#Initial42');
    await page.getByLabel('Email').fill('ned.other@example.com');
    await page.getByRole('button', { name: 'Save' }).click();
    const mail = await smtp.waitFor((m) => m.to.includes('ned.other@example.com'));
    const code = /\b(\d{6})\b/.exec(mail.text)![1]!;
    const wrong = code === '123456' ? '654321' : '123456';
    for (let attempt = 0; attempt < 5; attempt += 1) {
      await page.getByLabel('Enter your 6-digit code').fill(wrong);
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('alert').waitFor();
    }
    await page.getByLabel('Enter your 6-digit code').fill(code);
    await page.getByRole('button', { name: 'Verify' }).click();
    assert.match(await page.getByRole('alert').innerText(), /Too many/);
    await page.close();
  });

  it('lists sessions, signs another browser out, and signs out everywhere', async () => {
    const first = await browser.newPage();
    await first.goto(`${running.issuer}/portal/sessions`);
    await signIn(first, 'olga', 'Portal#Pass42');
    const second = await browser.newPage();
    await second.goto(`${running.issuer}/portal/sessions`);
    await signIn(second, 'olga', 'Portal#Pass42');
    await second.getByRole('heading', { name: 'Sessions & Devices' }).waitFor();
    assert.equal(await second.locator('#sessions tbody tr').count(), 2);
    await screenshot(second, 'portal-sessions');

    // From the second browser, sign the first one out.
    const other = second.locator('#sessions tbody tr', { hasNotText: 'this browser' });
    await other.getByRole('button', { name: /Sign out/ }).click();
    await second.getByText('That session is signed out.').waitFor();
    assert.equal(await second.locator('#sessions tbody tr').count(), 1);
    await first.goto(`${running.issuer}/portal/sessions`);
    await first.getByRole('heading', { name: 'Sign in' }).waitFor();

    await second.getByRole('button', { name: 'Sign out everywhere' }).click();
    await second.goto(`${running.issuer}/portal/sessions`);
    await second.getByRole('heading', { name: 'Sign in' }).waitFor();
    await first.close();
    await second.close();
  });

  it("never lets one user sign out another user's session", async () => {
    const leo = await browser.newPage();
    await leo.goto(`${running.issuer}/portal/sessions`);
    await signIn(leo, 'pamela', 'Portal#Pass42');
    const mia = await browser.newPage();
    await mia.goto(`${running.issuer}/portal/sessions`);
    await signIn(mia, 'quinn', 'Portal#Pass42');
    const leoSessionAction = await leo.locator('#sessions tbody tr form').first().getAttribute('action');
    const csrf = await mia.locator('input[name=_csrf]').first().getAttribute('value');
    const attempt = await mia.request.post(`${running.issuer}${leoSessionAction}`, { form: { _csrf: csrf! } });
    assert.equal(attempt.status(), 404);
    await leo.reload();
    assert.equal(await leo.locator('#sessions tbody tr').count(), 1, 'leo is still signed in');
    await leo.close();
    await mia.close();
  });
});
