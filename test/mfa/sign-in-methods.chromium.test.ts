import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { heading, launchChromium, screenshot } from '../support/chromium.ts';
import { type MfaWorld, startMfaWorld } from './mfa-world.ts';

/**
 * Later sign-ins in Chromium: the verification page with each method,
 * "Trust this browser", and "My Settings & Devices" during a sign-in
 * (add, rename, remove a device, "When I log in").
 */
describe('MFA at sign-in in Chromium', () => {
  let world: MfaWorld;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let browser: Browser;
  let rita: Awaited<ReturnType<MfaWorld['enrolledUser']>>;
  let _sam: Awaited<ReturnType<MfaWorld['enrolledUser']>>;

  beforeAll(async () => {
    world = await startMfaWorld();
    rita = await world.enrolledUser('rita', { mobile: '(201) 555-0101', app: true, recovery: true });
    _sam = await world.enrolledUser('sam', { mobile: '(201) 555-0102' });
    chromium = await launchChromium();
    browser = chromium.browser;
  });
  afterAll(async () => {
    await chromium?.close();
    await world?.stop();
  });

  async function choose(page: Page, username: string, method: string, trust = false) {
    await world.signIn(page, username);
    await heading(page, 'Choose an authentication method');
    if (!trust) await page.getByLabel('Trust this browser').uncheck();
    await page.getByRole('button', { name: method }).click();
  }

  async function verify(page: Page, label: string, code: string) {
    await page.getByLabel(label).fill(code);
    await page.getByRole('button', { name: 'Verify' }).click();
  }

  it('signs in with each method: Text me, Call me, Passcode, Recovery code', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await choose(page, 'rita', 'Text me');
    await heading(page, 'Enter your 6-digit code');
    await verify(page, 'Enter your 6-digit code', world.codeFor('+12015550101'));
    await page.getByText('code received').waitFor();
    await context.close();

    for (const [method, label, code] of [
      ['Call me', 'Enter your 6-digit code', () => world.codeFor('+12015550101')],
      ['Passcode', 'Passcode from your authenticator app', () => world.appCode(rita.secret!)],
      ['Recovery code', 'Recovery code', async () => rita.recoveryCodes[0]!.toUpperCase()],
    ] as const) {
      const other = await browser.newContext();
      const next = await other.newPage();
      await choose(next, 'rita', method);
      if (method === 'Recovery code') {
        await verify(next, label, 'zzzzz-zzzzz');
        assert.match(await next.getByRole('alert').innerText(), /recovery code is not correct/);
        await screenshot(next, 'mfa-30-recovery-code');
      }
      await verify(next, label, await code());
      await next.getByText('code received').waitFor();
      await other.close();
    }

    const reused = await browser.newContext();
    const page2 = await reused.newPage();
    await choose(page2, 'rita', 'Recovery code');
    await verify(page2, 'Recovery code', rita.recoveryCodes[0]!);
    assert.match(await page2.getByRole('alert').innerText(), /already used/, 'a recovery code works once');
    await page2.getByRole('button', { name: 'Choose another method' }).click();
    await heading(page2, 'Choose an authentication method');
    await reused.close();
  });

  it('trusts the browser for the next sign-in, and stops when the user says so', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await choose(page, 'sam', 'Text me', true);
    await verify(page, 'Enter your 6-digit code', world.codeFor('+12015550102'));
    await page.getByText('code received').waitFor();

    await page.goto(`${world.running.issuer}/session/end`);
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await world.signIn(page, 'sam');
    await page.getByText('code received').waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Choose an authentication method' }).count(), 0, 'no second factor on a trusted browser');

    // The user sees the browser in "My Settings & Devices" and stops trusting it (asked with a new sign-in, step-up).
    await page.goto(await world.authorizeUrl('rp', { acr_values: 'urn:admit:acr:mfa', prompt: 'login' }));
    await page.getByLabel('User Name').fill('sam');
    await page.getByLabel('Password').fill('Mfa-Test#Passw0rd');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading(page, 'Choose an authentication method');
    await page.getByRole('button', { name: 'My Settings & Devices' }).click();
    assert.match(await page.getByRole('status').innerText(), /verify with one of your devices first/);
    await page.getByRole('button', { name: 'Text me' }).click();
    await verify(page, 'Enter your 6-digit code', world.codeFor('+12015550102'));
    await heading(page, 'My Settings & Devices');
    assert.match(await page.getByRole('list', { name: 'Trusted browsers' }).innerText(), /Chrome on Linux, trusted until/);
    await page.getByRole('button', { name: /Stop trusting Chrome on Linux/ }).click();
    await page.getByText('The browser is no longer trusted.').waitFor();
    await page.getByLabel('Trust this browser').uncheck();
    await page.getByRole('button', { name: 'Continue to Login' }).click();
    await page.getByText('code received').waitFor();

    await page.goto(`${world.running.issuer}/session/end`);
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await world.signIn(page, 'sam');
    await heading(page, 'Choose an authentication method');
    await context.close();
  });

  it('manages devices in "My Settings & Devices": add, rename, remove, "When I log in"', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await choose(page, 'rita', 'Passcode');
    await page.getByRole('button', { name: 'Choose another method' }).click();
    await page.getByRole('button', { name: 'My Settings & Devices' }).click();
    await page.getByRole('button', { name: 'Passcode' }).click();
    await verify(page, 'Passcode from your authenticator app', await world.appCode(rita.secret!));
    await heading(page, 'My Settings & Devices');

    await page.getByRole('button', { name: '+ Add another device' }).click();
    await heading(page, 'What type of device are you adding?');
    await page.getByLabel('Landline').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Phone number').fill('201 555 0199');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Yes, this is the correct number').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Call me' }).click();
    await verify(page, 'Enter your 6-digit code', world.codeFor('+12015550199'));
    await heading(page, 'My Settings & Devices');
    assert.match(await page.getByRole('list', { name: 'Your devices' }).innerText(), /iOS \(201\) 555-0101[\s\S]*Landline \(201\) 555-0199/);
    await world.smtp.waitFor((m) => m.to.includes('rita@example.test') && m.text.includes('"Landline (201) 555-0199" was added'));

    await page.getByRole('button', { name: 'Device Options: Landline (201) 555-0199' }).click();
    await heading(page, 'Device Options');
    await page.getByLabel('Device name').fill('Desk phone');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByText('The device was renamed.').waitFor();
    await screenshot(page, 'mfa-31-device-options');
    await page.getByRole('button', { name: 'Remove device' }).click();
    await heading(page, 'My Settings & Devices');
    assert.doesNotMatch(await page.getByRole('list', { name: 'Your devices' }).innerText(), /Desk phone/);
    await world.smtp.waitFor((m) => m.to.includes('rita@example.test') && /removed/.test(m.subject) && m.text.includes('Desk phone'));

    await page.getByRole('button', { name: 'Device Options: iOS (201) 555-0101' }).click();
    assert.equal(await page.getByRole('button', { name: 'Remove device' }).count(), 0, 'the only device cannot be removed');
    await page.getByText('This is your only device.').waitFor();
    await page.getByRole('button', { name: 'Back to My Settings & Devices' }).click();

    await page.getByLabel('When I log in').selectOption({ label: 'Automatically send this device a text message' });
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Your settings were saved.').waitFor();
    await screenshot(page, 'mfa-32-settings-saved');
    await page.getByLabel('Trust this browser').uncheck();
    await page.getByRole('button', { name: 'Continue to Login' }).click();
    await page.getByText('code received').waitFor();
    await context.close();

    // Next sign-in: straight to the code, already texted to the default device.
    const next = await browser.newContext();
    const again = await next.newPage();
    await world.signIn(again, 'rita');
    await heading(again, 'Enter your 6-digit code');
    await again.getByText('We sent a text message with your code to (201) 555-0101.').waitFor();
    await verify(again, 'Enter your 6-digit code', world.codeFor('+12015550101'));
    await again.getByText('code received').waitFor();
    await next.close();
  });
});
