import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { atBothWidths, launchChromium } from '../support/chromium.ts';
import { type BrandWorld, PASSWORD, startBrandWorld } from './brand-world.ts';

/**
 * Seed 000's branded first sign-in in Chromium: the site's product name and
 * logo on every step (sign-in page, each wizard step, Change Password), its
 * tab title, its "Powered by" line, its accent colour, at 1280 and 390 px.
 */
describe('a branded site on every step of the first sign-in, in Chromium', () => {
  let world: BrandWorld;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let browser: Browser;
  beforeAll(async () => {
    world = await startBrandWorld();
    await world.addUser('ivy');
    chromium = await launchChromium();
    browser = chromium.browser;
  });
  afterAll(async () => {
    await chromium?.close();
    await world?.stop();
  });

  const heading = (page: Page, name: string | RegExp) => page.getByRole('heading', { name, level: 1 }).waitFor();

  /** The header names the product and shows its logo, drawn (not a broken image); the tab says the product too. */
  async function branded(page: Page, step: string, shot: string) {
    assert.equal(await page.locator('header .brand-name').innerText(), 'Itron MSP', `${step}: the product name in the header`);
    const logo = page.locator('header img.brand-logo');
    assert.equal(await logo.count(), 1, `${step}: the logo in the header`);
    assert.ok((await logo.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)) > 0, `${step}: the logo is drawn`);
    assert.equal(await page.locator('header svg.brand-mark').count(), 0, `${step}: not admit's mark`);
    assert.match(await page.title(), / · Itron Customer Center$/, `${step}: the tab title`);
    // The accent colour arrives as the site's stylesheet: the primary button is drawn in it.
    const accent = await page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()");
    assert.notEqual(accent, '#0b5cab', `${step}: the site's accent, not admit's`);
    await atBothWidths(page, shot);
  }

  async function sidePanel(page: Page, step: string) {
    const logo = page.getByRole('complementary', { name: 'About this step' }).getByRole('img', { name: 'Itron MSP' });
    assert.equal(await logo.count(), 1, `${step}: the logo in the side panel`);
    assert.equal(await page.locator('.mfa-powered').innerText(), 'Powered by Itron', `${step}: the "Powered by" line`);
  }

  it('sign-in page, "Protect Your Itron MSP Account", each wizard step and Change Password carry the brand', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(await world.authorizeUrl());
    await heading(page, 'Sign in');
    await branded(page, 'sign-in', 'brand-01-sign-in');
    assert.equal(await page.getByRole('link', { name: 'Sign-in help' }).count(), 1, 'the help link');
    await world.signIn(page, 'ivy');

    await heading(page, 'Protect Your Itron MSP Account');
    await sidePanel(page, 'start');
    await branded(page, 'start', 'brand-02-protect-your-account');
    await page.getByRole('button', { name: 'Start setup' }).click();

    await heading(page, 'What type of device are you adding?');
    await sidePanel(page, 'device');
    await branded(page, 'device', 'brand-03-device');
    await page.getByLabel('Mobile phone').check();
    await page.getByRole('button', { name: 'Continue' }).click();

    await heading(page, 'Enter your phone number');
    await branded(page, 'phone', 'brand-04-phone');
    await page.getByLabel('Phone number').fill('201-234-5678');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Yes, this is the correct number').check();
    await page.getByRole('button', { name: 'Continue' }).click();

    await heading(page, 'Verify Ownership of (201) 234-5678');
    await page.getByRole('button', { name: 'Text me' }).click();
    await page.getByText('We sent a text message with your code to (201) 234-5678.').waitFor();
    await branded(page, 'verify', 'brand-05-verify');
    await page.getByLabel('Enter your 6-digit code').fill(world.codeFor('+12012345678'));
    await page.getByRole('button', { name: 'Verify' }).click();

    await heading(page, 'What type of phone is (201) 234-5678?');
    await branded(page, 'phone type', 'brand-06-phone-type');
    await page.getByLabel('Other (and cell phones)').check();
    await page.getByRole('button', { name: 'Continue' }).click();

    await heading(page, 'My Settings & Devices');
    await sidePanel(page, 'settings');
    await branded(page, 'settings', 'brand-07-settings');
    await page.getByRole('button', { name: 'Continue to Login' }).click();
    await heading(page, 'Choose an authentication method');
    await branded(page, 'choose', 'brand-08-choose');
    await page.getByRole('button', { name: 'Text me' }).click();
    await heading(page, 'Enter your 6-digit code');
    await page.getByLabel('Enter your 6-digit code').fill(world.codeFor('+12012345678'));
    await page.getByRole('button', { name: 'Verify' }).click();

    await heading(page, 'Change Password');
    await branded(page, 'change password', 'brand-09-change-password');
    await page.getByLabel('Old Password').fill(PASSWORD);
    await page.getByLabel('New Password', { exact: true }).fill('Good#Choice42');
    await page.getByLabel('Confirm New Password').fill('Good#Choice42');
    await page.getByRole('button', { name: 'Change Password' }).click();
    await page.getByText('code received').waitFor();
    await context.close();
  });

  it('the help page and an error page of the branded site carry the brand and its support contact', async () => {
    const page = await browser.newPage();
    await page.goto(`${world.running.issuer}/help`);
    await heading(page, 'Customer / Partner Center Sign In Help');
    await branded(page, 'help', 'brand-10-help');
    await page.getByRole('link', { name: 'support@itron.example' }).first().waitFor();
    await page.goto(`${world.running.issuer}/no-such-page`);
    await heading(page, 'Page not found');
    assert.equal(await page.locator('header .brand-name').innerText(), 'Itron MSP');
    await page.getByRole('link', { name: 'Sign-in help' }).click();
    await heading(page, 'Customer / Partner Center Sign In Help');
    assert.match(page.url(), /\/help\?site=ITRONMS$/);
    await page.close();
  });
});
