import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type MfaWorld, startMfaWorld } from '../mfa/mfa-world.ts';
import { heading, launchChromium, screenshot } from '../support/chromium.ts';

/**
 * The self-service portal as a person sees it (issue 19), by its labels, at
 * desktop and phone width: the navigation bar with "Signed in as" and Sign
 * out on every page, Sessions & Devices in words, removing a device with a
 * confirmation and a notice, and "Back to <application>" after a flow —
 * only ever to an address the application registered.
 */
describe("the portal's navigation, Sessions & Devices and the way back", () => {
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

  const overflow = async (page: Page) => Number(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
  const nav = (page: Page) => page.getByRole('navigation', { name: 'Self Service Portal' });

  /** Signs in to the Customer Center (password and a passcode), as the application's user would. */
  async function signInToApplication(page: Page, username: string, secret: string) {
    await world.signIn(page, username);
    await heading(page, 'Choose an authentication method');
    await page.getByLabel('Trust this browser').uncheck();
    await page.getByRole('button', { name: 'Passcode' }).first().click();
    await page.getByLabel('Passcode from your authenticator app').fill(await world.appCode(secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL((url) => url.origin === world.app.origin);
  }

  for (const size of [
    { width: 1280, height: 900 },
    { width: 390, height: 844 },
  ]) {
    it(`every page has the bar, Sessions & Devices reads in words, a device is removed after a confirmation, Sign out ends the session (${size.width} px)`, async () => {
      const username = `nav${size.width}`;
      const user = await world.enrolledUser(username, { mobile: size.width === 1280 ? '2015550181' : '2015550182', app: true });
      await world.addTablet(user.accountId, 'Work tablet');
      const context = await browser.newContext({ viewport: size });
      const page = await context.newPage();
      await signInToApplication(page, username, user.secret!);

      // Opened from the application: "Back to Customer Center" in the bar.
      await page.goto(`${world.running.issuer}/portal?client_id=rp`);
      await heading(page, 'Self Service Portal');
      const signedInAs = `Signed in as ${username[0]!.toUpperCase()}${username.slice(1)} (${username}, Customer & Partner Center)`;
      await nav(page).getByText(signedInAs).waitFor();
      assert.equal(await nav(page).getByRole('link', { name: 'Home' }).getAttribute('aria-current'), 'page');
      assert.equal(await nav(page).getByRole('link', { name: 'Back to Customer Center' }).getAttribute('href'), `${world.app.origin}/`);
      assert.equal(await overflow(page), 0, 'no horizontal scrolling');
      await screenshot(page, `portal-home-${size.width}`);

      for (const [link, title, path] of [
        ['Self Update', 'Self Update', '/portal/profile'],
        ['Change Password', 'Change Password', '/portal/password'],
        ['My Settings & Devices', 'My Settings & Devices', '/portal/devices'],
        ['Sessions & Devices', 'Sessions & Devices', '/portal/sessions'],
      ] as const) {
        await page.goto(`${world.running.issuer}${path}`);
        await heading(page, title);
        await nav(page).getByText(signedInAs).waitFor();
        await nav(page).getByRole('button', { name: 'Sign out' }).waitFor();
        assert.equal(
          await nav(page).getByRole('link', { name: link, exact: true }).getAttribute('aria-current'),
          'page',
          `${link} is marked as the current page`,
        );
        assert.equal(await overflow(page), 0, `no horizontal scrolling on ${title}`);
        await screenshot(page, `portal-nav-${path.split('/').pop()}-${size.width}`);
      }

      // Sessions & Devices in words: this browser, how, when, and the applications by name.
      await page.goto(`${world.running.issuer}/portal/sessions`);
      const row = page.locator('#sessions tbody tr', { hasText: 'This browser' });
      const text = await row.innerText();
      assert.match(text, /Chrome on Linux/);
      assert.match(text, /Password \+ authenticator app/);
      assert.match(text, /Today \d\d:\d\d UTC/);
      assert.match(text, /Customer Center/);
      assert.doesNotMatch(text, /\b(pwd|otp|mfa|rp|admit-portal)\b/, 'no raw amr values or client ids');
      await screenshot(page, `portal-sessions-${size.width}`);

      // Remove a device: asks first; Cancel keeps it; Remove removes it and says so.
      await page.goto(`${world.running.issuer}/portal/devices`);
      await page.getByRole('link', { name: 'Remove Work tablet' }).click();
      await heading(page, 'Remove Work tablet?');
      await page.getByText('Remove Work tablet? You will no longer be able to use it to sign in.').waitFor();
      await nav(page).getByText(signedInAs).waitFor();
      await screenshot(page, `portal-remove-device-${size.width}`);
      await page.getByRole('link', { name: 'Cancel' }).click();
      await heading(page, 'My Settings & Devices');
      await page.getByRole('row', { name: /Work tablet/ }).waitFor();
      await page.getByRole('link', { name: 'Remove Work tablet' }).click();
      await page.getByRole('button', { name: 'Remove' }).click();
      await heading(page, 'My Settings & Devices');
      await page.getByRole('status').getByText('Work tablet was removed.').waitFor();
      assert.equal(await page.getByRole('row', { name: /Work tablet/ }).count(), 0);
      await screenshot(page, `portal-device-removed-${size.width}`);
      // The last device stays: no Remove is offered, and asking anyway is refused (the device service's rule).
      assert.equal(await page.getByRole('link', { name: /^Remove / }).count(), 0);
      await page.goto(`${world.running.issuer}/portal/devices/${user.device.id}/remove`);
      await page.getByText('You cannot remove your only device. Add another device first.').waitFor();
      await page.reload();
      assert.equal(await page.getByText('Work tablet was removed.').count(), 0, 'the notice is shown once');

      // Sign out: the OP's confirmation, then the portal asks to sign in again.
      await nav(page).getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Yes, sign me out' }).click();
      await heading(page, 'Self Service Portal');
      await nav(page).getByRole('link', { name: 'Sign in' }).waitFor();
      assert.equal(await nav(page).getByText('Signed in as').count(), 0);
      await page.goto(`${world.running.issuer}/portal/sessions`);
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      assert.equal(await page.getByLabel('Password').isVisible(), true, 'the portal asks to sign in again');
      await context.close();
    });

    it(`Unlock Account from the application's sign-in leads back to it; a foreign return_to is ignored (${size.width} px)`, async () => {
      const username = `back${size.width}`;
      const mobile = size.width === 1280 ? '2015550183' : '2015550184';
      await world.enrolledUser(username, { mobile, app: true });
      const context = await browser.newContext({ viewport: size });
      const page = await context.newPage();

      // Abuse: an address no client registered is never offered, with or without a client id.
      for (const query of [
        'client_id=rp&return_to=https%3A%2F%2Fevil.example%2F',
        'return_to=https%3A%2F%2Fevil.example%2F',
        'client_id=nobody',
        `client_id=rp&return_to=${encodeURIComponent(`${world.app.origin}/callback?x=1`)}`,
      ]) {
        await page.goto(`${world.running.issuer}/portal/unlock?${query}`);
        await heading(page, 'Unlock Account');
        assert.equal(await page.getByRole('link', { name: /^Back to (?!the )/ }).count(), 0, `nothing to go back to for ${query}`);
      }
      assert.equal(await page.locator('a[href*="evil.example"]').count(), 0);

      await page.goto(await world.authorizeUrl());
      await page.getByRole('link', { name: 'Unlock Account' }).click();
      await heading(page, 'Unlock Account');
      await nav(page).getByRole('link', { name: 'Unlock Account' }).waitFor();
      await page.getByLabel('User Name').fill(username);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Text me' }).click();
      await page.getByLabel('Enter your code').fill(world.codeFor(`+1${mobile}`));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('button', { name: 'Unlock Account' }).click();
      await page.getByText('it is unlocked now').waitFor();
      const back = page.getByRole('main').getByRole('link', { name: 'Back to Customer Center' });
      assert.equal(await back.getAttribute('href'), `${world.app.origin}/`, "the application's registered address");
      assert.equal(await overflow(page), 0);
      await screenshot(page, `portal-unlock-back-${size.width}`);
      await back.click();
      await page.waitForURL(`${world.app.origin}/`);
      await context.close();
    });
  }

  it('a foreign return_to after a registered one does not replace it, and the portal never links to it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${world.running.issuer}/portal/reset?client_id=rp`);
    await nav(page).getByRole('link', { name: 'Back to Customer Center' }).waitFor();
    await page.goto(`${world.running.issuer}/portal/reset?client_id=rp2&return_to=https%3A%2F%2Fevil.example%2F`);
    assert.equal(await nav(page).getByRole('link', { name: 'Back to Customer Center' }).getAttribute('href'), `${world.app.origin}/`);
    assert.equal(await page.locator('a[href*="evil.example"]').count(), 0);
    await context.close();
  });
});
