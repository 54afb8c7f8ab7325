import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { heading, launchChromium, screenshot } from '../support/chromium.ts';
import { buttonValue, FlowDriver } from './flow-driver.ts';
import { type MfaWorld, PASSWORD, RP_SECRET, startMfaWorld } from './mfa-world.ts';

/**
 * The portal's "My Settings & Devices": the devices at a glance, and
 * "Manage devices", a fresh sign-in (password and a factor) that opens the
 * sign-in's My Settings & Devices and comes back to the portal.
 */
describe("the portal's My Settings & Devices", () => {
  let world: MfaWorld;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let browser: Browser;
  let tess: Awaited<ReturnType<MfaWorld['enrolledUser']>>;

  beforeAll(async () => {
    world = await startMfaWorld();
    tess = await world.enrolledUser('tess', { mobile: '(201) 555-0131', app: true, recovery: true });
    chromium = await launchChromium();
    browser = chromium.browser;
  });
  afterAll(async () => {
    await chromium?.close();
    await world?.stop();
  });

  async function passwordAndPasscode(page: Page) {
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading(page, 'Choose an authentication method');
    await page.getByLabel('Trust this browser').uncheck();
    await page.getByRole('button', { name: 'Passcode' }).click();
    await page.getByLabel('Passcode from your authenticator app').fill(await world.appCode(tess.secret!));
    await page.getByRole('button', { name: 'Verify' }).click();
  }

  it('lists the devices, and "Manage devices" verifies again, opens My Settings & Devices and returns to the portal', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${world.running.issuer}/portal`);
    await page.getByRole('link', { name: 'My Settings & Devices' }).click();
    await page.getByLabel('User Name').fill('tess');
    await passwordAndPasscode(page);
    await heading(page, 'My Settings & Devices');
    assert.match(page.url(), /\/portal\/devices$/);
    const row = page.getByRole('row', { name: /iOS/ });
    assert.match(await row.innerText(), /Text message, Phone call, Authenticator app/);
    assert.match(await row.innerText(), /\(default\)/);
    await page.getByText('Recovery codes left: 10').waitFor();
    await screenshot(page, 'portal-devices');

    // Manage: the same person signs in again (user name filled in) and proves a factor, even though signed in.
    await page.getByRole('button', { name: 'Manage devices' }).click();
    await heading(page, 'Sign in');
    assert.equal(await page.getByLabel('User Name').inputValue(), 'tess');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await heading(page, 'Choose an authentication method');
    await page.getByText('For your security, verify with one of your devices first.').waitFor();
    await page.getByLabel('Trust this browser').uncheck();
    await page.getByRole('button', { name: 'Passcode' }).click();
    await page.getByLabel('Passcode from your authenticator app').fill(await world.appCode(tess.secret!));
    await page.getByRole('button', { name: 'Verify' }).click();

    await heading(page, 'My Settings & Devices');
    assert.match(page.url(), /\/interaction\/[^/]+\/mfa\/settings$/, "the sign-in's settings page, where devices change");
    await page.getByRole('button', { name: 'Device Options: iOS' }).click();
    await page.getByLabel('Device name').fill('Work phone');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByText('The device was renamed.').waitFor();
    await page.getByRole('button', { name: 'Back' }).click();
    await page.getByRole('button', { name: 'Create new recovery codes' }).click();
    await heading(page, 'Your recovery codes');
    await world.smtp.waitFor((mail) => mail.to.includes('tess@example.test') && /New recovery codes/.test(mail.subject));
    await page.getByRole('button', { name: 'I have saved my recovery codes' }).click();
    await page.getByRole('button', { name: 'Continue to Login' }).click();

    await heading(page, 'My Settings & Devices');
    assert.match(page.url(), /\/portal\/devices$/, 'back in the portal');
    await page.getByRole('row', { name: /Work phone/ }).waitFor();
    await context.close();
  });

  it('refuses "Manage devices" without the form\'s CSRF token, and ignores admit_manage from other applications', async () => {
    const d = new FlowDriver(world.running, 'rp', RP_SECRET);
    await d.authorize({ admit_manage: 'devices' });
    await d.signIn('tess', PASSWORD);
    assert.match(d.page.url.pathname, /\/mfa\/choose$/);
    assert.doesNotMatch(d.page.html, /verify with one of your devices first/, 'a relying application cannot open device management');
    await d.submit('/mfa/choose', { method: buttonValue(d.page.html, 'Passcode') });
    const done = await d.submit('/mfa/code', { action: 'verify', code: await world.appCode(tess.secret!) });
    assert.ok(done.callback, 'straight back to the application, not to My Settings & Devices');
    const forged = await d.browser.follow(new URL('/portal/devices/manage', world.running.issuer), undefined, { form: { _csrf: 'forged' } });
    assert.equal(forged.response.status, 403);
  });
});
