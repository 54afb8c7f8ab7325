import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type MfaWorld, PASSWORD, startMfaWorld } from '../mfa/mfa-world.ts';
import { launchChromium, screenshot } from '../support/chromium.ts';

const FIRST = { id: 'FIRST', displayName: 'First', directory: { kind: 'local' }, mfa: { required: true } };
const NEW_PASSWORD = 'Fresh#Route2026';

/**
 * Reload and Back on every page of a first sign-in, in real Chromium, at
 * desktop and phone width: each lands on the current step (the sequencer
 * answers posts with redirects and sends any other step's URL to the current
 * one), never on "Confirm Form Resubmission", ERR_CACHE_MISS or a dead end.
 */
describe('sign-in sequencer in Chromium: reload and Back', () => {
  let world: MfaWorld;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let browser: Browser;

  beforeAll(async () => {
    world = await startMfaWorld({ sites: [FIRST] });
    chromium = await launchChromium();
    browser = chromium.browser;
  });
  afterAll(async () => {
    await chromium?.close();
    await world?.stop();
  });

  const h1 = (page: Page) => page.getByRole('heading', { level: 1 });

  /** The page shows this heading, and a reload and Back both come back to it. */
  async function holds(page: Page, heading: string | RegExp, shot?: string) {
    await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
    const url = page.url();
    if (shot) await screenshot(page, shot);
    await page.reload();
    await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
    assert.equal(page.url(), url, `reload stays on ${heading}`);
    assert.equal(await page.getByRole('alert').count(), 0, `a reload shows ${heading} without an old message`);
    await page.goBack();
    await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
    assert.equal(page.url(), url, `Back returns to the current step (${heading}), got "${await h1(page).innerText()}"`);
  }

  for (const [width, height] of [
    [1280, 800],
    [390, 844],
  ] as const) {
    it(`walks a first sign-in with reload and Back on every page (${width} px)`, async () => {
      const username = `walker${width}`;
      await world.addUser(username, 'FIRST');
      const context = await browser.newContext({ viewport: { width, height } });
      const page = await context.newPage();
      await page.goto(await world.authorizeUrl());
      await page.getByLabel('User Name').fill(username);
      await page.getByLabel('Password').fill('Not-The-Password1');
      await page.getByLabel('Log on to').selectOption('FIRST');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').waitFor();
      await holds(page, 'Sign in');
      assert.equal(await page.getByLabel('User Name').inputValue(), username, 'the user name stays after a refused sign-in');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByLabel('Log on to').selectOption('FIRST');
      await page.getByRole('button', { name: 'Sign in' }).click();

      await holds(page, 'Protect Your First Account');
      await page.getByRole('button', { name: 'Start setup' }).click();
      await holds(page, 'What type of device are you adding?');
      await page.getByLabel('Mobile phone').check();
      await page.getByRole('button', { name: 'Continue' }).click();

      await holds(page, 'Enter your phone number');
      await page.getByLabel('Phone number').fill('555');
      await page.getByRole('button', { name: 'Continue' }).click();
      assert.match(await page.getByRole('alert').innerText(), /valid phone number/, 'a refused post shows its message');
      await holds(page, 'Enter your phone number');
      const typed = width === 1280 ? '201-555-0142' : '201-555-0143';
      const e164 = `+1${typed.replace(/-/g, '')}`;
      await page.getByLabel('Phone number').fill(typed);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('Yes, this is the correct number').check();
      await page.getByRole('button', { name: 'Continue' }).click();

      await holds(page, /Verify Ownership of/);
      await page.getByRole('button', { name: 'Text me' }).click();
      await page.getByLabel('Enter your 6-digit code').waitFor();
      await page.getByLabel('Enter your 6-digit code').fill(world.codeFor(e164));
      await page.getByRole('button', { name: 'Verify' }).click();

      await holds(page, /What type of phone is/);
      await page.getByLabel('iPhone').check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await holds(page, 'Install an authenticator app');
      await page.getByRole('button', { name: 'Continue' }).click();
      await holds(page, 'Activate your authenticator app');
      await page.getByText("Can't scan the code?").click();
      const secret = (await page.locator('#manual-key').innerText()).replace(/\s/g, '');
      await page.getByLabel('Enter the 6-digit code from the app').fill(await world.appCode(secret));
      await page.getByRole('button', { name: 'Continue' }).click();

      await holds(page, 'Save recovery codes');
      await page.getByRole('button', { name: 'Create recovery codes' }).click();
      const codes = await page.getByRole('list', { name: 'Recovery codes' }).locator('li').allInnerTexts();
      assert.equal(codes.length, 10);
      await holds(page, 'Your recovery codes', `sequencer-recovery-codes-${width}`);
      assert.deepEqual(await page.getByRole('list', { name: 'Recovery codes' }).locator('li').allInnerTexts(), codes, 'the same codes after a reload and Back');
      await page.getByRole('button', { name: 'I have saved my recovery codes' }).click();

      await holds(page, 'My Settings & Devices');
      await page.getByRole('button', { name: 'Continue to Login' }).click();
      await holds(page, 'Choose an authentication method');
      await page.getByRole('button', { name: 'Passcode' }).click();
      await holds(page, 'Enter a passcode');
      await page.getByLabel('Passcode from your authenticator app').fill(await world.appCode(secret));
      await page.getByRole('button', { name: 'Verify' }).click();

      await holds(page, 'Change Password');
      await page.getByLabel('Old Password').fill(PASSWORD);
      await page.getByLabel('New Password', { exact: true }).fill('short');
      await page.getByLabel('Confirm New Password').fill('short');
      await page.getByRole('button', { name: 'Change Password' }).click();
      await page.getByRole('alert').waitFor();
      await holds(page, 'Change Password', `sequencer-change-password-${width}`);
      await page.getByLabel('Old Password').fill(PASSWORD);
      await page.getByLabel('New Password', { exact: true }).fill(NEW_PASSWORD);
      await page.getByLabel('Confirm New Password').fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Change Password' }).click();
      await page.getByText('code received').waitFor();
      await context.close();
    });
  }
});
