import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { heading, launchChromium, screenshot } from '../support/chromium.ts';
import { type MfaWorld, startMfaWorld } from './mfa-world.ts';

/**
 * "When I log in" in My Settings & Devices offers only what the default
 * device can do (a tablet takes no texts or calls), and Save never refuses
 * a choice the page offered.
 */
describe('"When I log in" follows the default device', () => {
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

  const whenOptions = (page: Page) => page.getByLabel('When I log in').locator('option').allInnerTexts();

  /** Signs in, proves the authenticator app and opens My Settings & Devices. */
  async function openSettings(page: Page, username: string, secret: string) {
    await world.signIn(page, username);
    await heading(page, 'Choose an authentication method');
    await page.getByLabel('Trust this browser').uncheck();
    await page.getByRole('button', { name: 'My Settings & Devices' }).click();
    await page.getByRole('button', { name: 'Passcode' }).first().click();
    await page.getByLabel('Passcode from your authenticator app').fill(await world.appCode(secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await heading(page, 'My Settings & Devices');
  }

  it('offers a tablet-only user no text message or call', async () => {
    const tina = await world.tabletUser('tina');
    const context = await browser.newContext();
    const page = await context.newPage();
    await openSettings(page, 'tina', tina.secret);
    assert.deepEqual(await whenOptions(page), ['Ask me to choose an authentication method']);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Your settings were saved.').waitFor();
    await screenshot(page, 'mfa-33-when-i-log-in-tablet');
    await context.close();
  });

  it('follows a new default device on Save instead of refusing what it offered', async () => {
    const mona = await world.enrolledUser('mona', { mobile: '(201) 555-0141' });
    const tablet = await world.addTablet(mona.accountId);
    const context = await browser.newContext();
    const page = await context.newPage();
    await openSettings(page, 'mona', tablet.secret);
    assert.deepEqual(
      await whenOptions(page),
      ['Ask me to choose an authentication method', 'Automatically send this device a text message', 'Automatically call this device'],
      'the default device is the phone',
    );

    // The tablet becomes the default with "text message" still selected: saved, and the choice becomes "Ask".
    await page.getByLabel('Default Device').selectOption({ label: 'iPad' });
    await page.getByLabel('When I log in').selectOption({ label: 'Automatically send this device a text message' });
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/Your settings were saved\./).waitFor();
    assert.equal(await page.getByRole('alert').count(), 0, 'nothing refused');
    assert.equal(await page.getByLabel('Default Device').locator('option:checked').innerText(), 'iPad');
    assert.deepEqual(await whenOptions(page), ['Ask me to choose an authentication method']);
    const settings = await world.running.admit.mfa.settings(mona.accountId);
    assert.deepEqual([settings.defaultDeviceId, settings.whenILogIn], [tablet.deviceId, 'ask']);
    await context.close();
  });
});
