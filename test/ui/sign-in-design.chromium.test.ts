import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { type MfaWorld, PASSWORD, startMfaWorld } from '../mfa/mfa-world.ts';
import { heading, launchChromium, screenshot } from '../support/chromium.ts';

/**
 * Issue 19's visual design of the sign-in side, as a person meets it in
 * Chromium at desktop and phone width: the branded header, Show / Hide on
 * password fields, the entered values kept after a refused post (never a
 * password), the wizard's progress indicator on every step, the method and
 * device icons beside their labels, the "+1" before the phone number, phone
 * numbers that do not break, Change Password's rules marked while typing
 * (and the server still refusing with JavaScript off), no horizontal
 * scrolling at 390 px, and a support code only on error pages.
 */
const WIDTHS = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

describe("the sign-in side's design (issue 19), in Chromium at 1280 px and 390 px", () => {
  let world: MfaWorld;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let browser: Browser;

  beforeAll(async () => {
    // PWD: a site that asks for a new password at the first sign-in, without MFA.
    world = await startMfaWorld({
      sites: [
        { id: 'PWD', displayName: 'Partner Directory', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: true }, mfa: { required: false } },
      ],
    });
    chromium = await launchChromium();
    browser = chromium.browser;
  });
  afterAll(async () => {
    await chromium?.close();
    await world?.stop();
  });

  /** Nothing wider than the viewport: no sideways scrolling on a phone. */
  async function noSidewaysScroll(page: Page, width: number, where: string) {
    const scrollWidth = await page.evaluate('document.scrollingElement.scrollWidth');
    assert.ok(Number(scrollWidth) <= width, `${where}: page is ${scrollWidth} px wide at ${width} px`);
  }

  /** The progress indicator's text and its current step. */
  async function progress(page: Page): Promise<{ count: string; current: string }> {
    const nav = page.getByRole('navigation', { name: 'Setup progress' });
    return { count: await nav.locator('.wizard-count').innerText(), current: await nav.locator('[aria-current=step]').innerText() };
  }
  async function expectStep(page: Page, step: string, label: string, width: number) {
    const shown = await progress(page);
    assert.equal(shown.count, `${step}: ${label}`);
    assert.equal(shown.current, label);
    await noSidewaysScroll(page, width, step);
  }

  async function noSupportCode(page: Page, where: string) {
    const text = await page.locator('body').innerText();
    assert.doesNotMatch(text, /Support code|Request [0-9a-f-]{36}/, `${where}: no support code on a normal page`);
  }

  for (const size of WIDTHS) {
    it(`${size.name}: the sign-in page is branded, shows "Log on to" without scrolling, has Show / Hide, and keeps the user name and site after a refused sign-in`, async () => {
      const username = `sam${size.width}`;
      await world.addUser(username);
      const context = await browser.newContext({ viewport: { width: size.width, height: size.height } });
      const page = await context.newPage();
      await page.goto(await world.authorizeUrl());
      await heading(page, 'Sign in');
      assert.equal(await page.locator('header .brand-name').innerText(), 'Customer & Partner Center');
      assert.equal(await page.locator('header svg.brand-mark').count(), 1, 'the neutral logo mark');
      const logOnTo = await page.getByLabel('Log on to').boundingBox();
      assert.ok(
        logOnTo && logOnTo.y >= 0 && logOnTo.y + logOnTo.height <= size.height && logOnTo.x >= 0 && logOnTo.x + logOnTo.width <= size.width,
        `"Log on to" visible without scrolling: ${JSON.stringify(logOnTo)}`,
      );
      await noSidewaysScroll(page, size.width, 'sign-in');
      await noSupportCode(page, 'sign-in');
      await screenshot(page, `signin-${size.width}`);

      // Show / Hide: the field's type follows the button; its label stays "Password".
      const password = page.getByLabel('Password');
      await password.fill('Wrong#Password1');
      assert.equal(await password.getAttribute('type'), 'password');
      await page.getByRole('button', { name: 'Show' }).click();
      assert.equal(await password.getAttribute('type'), 'text');
      assert.equal(await page.getByRole('button', { name: 'Hide' }).getAttribute('aria-pressed'), 'true');
      await screenshot(page, `signin-show-password-${size.width}`);
      await page.getByRole('button', { name: 'Hide' }).click();
      assert.equal(await password.getAttribute('type'), 'password');

      // A refused sign-in keeps the user name and the site, never the password.
      await page.getByLabel('User Name').fill(username);
      await page.getByLabel('Log on to').selectOption('PWD');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').waitFor();
      assert.equal(await page.getByLabel('User Name').inputValue(), username);
      assert.equal(await page.getByLabel('Log on to').inputValue(), 'PWD');
      assert.equal(await page.getByLabel('Password').inputValue(), '');
      await screenshot(page, `signin-error-${size.width}`);
      await context.close();
    });

    it(`${size.name}: the enrollment wizard shows its progress on every step, icons beside devices and methods, "+1" before the number, and keeps a refused number`, async () => {
      const username = `tara${size.width}`;
      await world.addUser(username);
      const number = size.width === 1280 ? '2015550141' : '2015550142';
      const context = await browser.newContext({ viewport: { width: size.width, height: size.height } });
      const page = await context.newPage();
      await world.signIn(page, username);

      await heading(page, /Protect Your/);
      await expectStep(page, 'Step 1 of 6', 'Start', size.width);
      assert.equal(await page.locator('header .brand-name').innerText(), 'Customer & Partner Center', "the site's display name");
      await noSupportCode(page, 'start');
      await screenshot(page, `wizard-start-${size.width}`);
      await page.getByRole('button', { name: 'Start setup' }).click();

      await heading(page, 'What type of device are you adding?');
      await expectStep(page, 'Step 2 of 6', 'Device', size.width);
      for (const label of ['Mobile phone', 'Tablet (iPad, Nexus 7, etc.)', 'Landline']) {
        const radio = page.getByLabel(label);
        assert.equal(await radio.count(), 1, label);
        assert.equal(await page.locator(`label[for="${await radio.getAttribute('id')}"] svg.icon[aria-hidden=true]`).count(), 1, `an icon beside ${label}`);
      }
      await screenshot(page, `wizard-device-${size.width}`);
      await page.getByLabel('Mobile phone').check();
      await page.getByRole('button', { name: 'Continue' }).click();

      await heading(page, 'Enter your phone number');
      await expectStep(page, 'Step 3 of 6', 'Set up', size.width);
      assert.equal(await page.locator('#number-dial').innerText(), '+1', 'the dial code before the number');
      assert.equal(await page.getByLabel('Country').locator('option:checked').innerText(), 'United States');
      // A number that is not one: refused, and still in the field.
      await page.getByLabel('Phone number').fill('12345');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('alert').waitFor();
      assert.equal(await page.getByLabel('Phone number').inputValue(), '12345', 'the refused number is kept');
      await page.getByLabel('Phone number').fill(number);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('Yes, this is the correct number').waitFor();
      await screenshot(page, `wizard-phone-${size.width}`);
      await page.getByLabel('Yes, this is the correct number').check();
      await page.getByRole('button', { name: 'Continue' }).click();

      await heading(page, /Verify Ownership of/);
      await expectStep(page, 'Step 3 of 6', 'Set up', size.width);
      // The number in the heading is one unbreakable piece, on one line.
      const inHeading = page.locator('h1 .nowrap');
      assert.equal(await inHeading.innerText(), `(201) 555-01${number.slice(-2)}`);
      const box = await inHeading.boundingBox();
      assert.ok(box && box.height < 40, `the number is on one line: ${JSON.stringify(box)}`);
      assert.equal(
        await page
          .locator('.icon-button', { has: page.getByRole('button', { name: 'Text me' }) })
          .locator('svg.icon[aria-hidden=true]')
          .count(),
        1,
      );
      await page.getByRole('button', { name: 'Text me' }).click();
      await page.getByText(/We sent a text message with your code/).waitFor();
      await screenshot(page, `wizard-verify-${size.width}`);
      await page.getByLabel('Enter your 6-digit code').fill(world.codeFor(`+1${number}`));
      await page.getByRole('button', { name: 'Verify' }).click();

      await heading(page, /What type of phone is/);
      await expectStep(page, 'Step 3 of 6', 'Set up', size.width);
      await page.getByLabel('Other (and cell phones)').check();
      await page.getByRole('button', { name: 'Continue' }).click();

      await page.getByRole('button', { name: 'Skip' }).waitFor();
      await expectStep(page, 'Step 4 of 6', 'Recovery', size.width);
      await page.getByRole('button', { name: 'Skip' }).click();

      await heading(page, 'My Settings & Devices');
      await expectStep(page, 'Step 5 of 6', 'Settings', size.width);
      await page.getByRole('button', { name: 'Continue to Login' }).click();

      await heading(page, 'Choose an authentication method');
      await expectStep(page, 'Step 6 of 6', 'Log in', size.width);
      for (const name of ['Text me', 'Call me']) {
        const button = page.getByRole('button', { name, exact: true });
        assert.equal(await button.count(), 1, name);
        assert.equal(await page.locator('.method-row', { has: button }).locator('svg.icon[aria-hidden=true]').count(), 1, `an icon beside ${name}`);
      }
      await noSupportCode(page, 'choose');
      await screenshot(page, `wizard-choose-${size.width}`);
      await context.close();
    });

    it(`${size.name}: a returning user's prompt has no progress indicator`, async () => {
      const username = `uma${size.width}`;
      await world.enrolledUser(username, { mobile: size.width === 1280 ? '2015550151' : '2015550152', app: true });
      const context = await browser.newContext({ viewport: { width: size.width, height: size.height } });
      const page = await context.newPage();
      await world.signIn(page, username);
      await heading(page, 'Choose an authentication method');
      assert.equal(await page.getByRole('navigation', { name: 'Setup progress' }).count(), 0);
      const passcode = page.getByRole('button', { name: 'Passcode', exact: true });
      assert.equal(await page.locator('.method-row', { has: passcode }).locator('svg.icon.icon-app').count(), 1, "the authenticator app's icon");
      await noSidewaysScroll(page, size.width, 'prompt');
      await screenshot(page, `wizard-prompt-${size.width}`);
      await context.close();
    });

    it(`${size.name}: Change Password marks each rule while typing, Show / Hide on each field, and the server still decides`, async () => {
      const username = `vera${size.width}`;
      await createLocalDirectory({ store: world.running.admit.store, siteId: 'PWD' }).addUser({
        username,
        password: PASSWORD,
        email: `${username}@example.test`,
        name: 'Vera',
      });
      const context = await browser.newContext({ viewport: { width: size.width, height: size.height } });
      const page = await context.newPage();
      await page.goto(await world.authorizeUrl());
      await page.getByLabel('User Name').fill(username);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByLabel('Log on to').selectOption('PWD');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await heading(page, 'Change Password');
      assert.equal(await page.locator('#password-rules li.live-met, #password-rules li.live-unmet').count(), 0, 'nothing marked before typing');
      assert.equal(await page.getByRole('button', { name: 'Show' }).count(), 3, 'Show beside each password field');

      const rule = (id: string) => page.locator(`#password-rules li[data-rule="${id}"]`);
      const state = async (id: string) => {
        const classes = (await rule(id).getAttribute('class')) ?? '';
        return classes.includes('live-met') ? 'met' : classes.includes('live-unmet') ? 'unmet' : 'none';
      };
      await page.getByLabel('Old Password').fill(PASSWORD);
      const fresh = page.getByLabel('New Password', { exact: true });
      await fresh.pressSequentially('abc');
      assert.equal(await state('minLength'), 'unmet');
      assert.equal(await state('mixedCase'), 'unmet');
      assert.equal(await state('minDigits'), 'unmet');
      assert.equal(await state('notPalindrome'), 'met');
      await fresh.pressSequentially('Ab1#');
      assert.equal(await state('mixedCase'), 'met');
      assert.equal(await state('minDigits'), 'met');
      assert.equal(await state('minSpecial'), 'met');
      assert.equal(await state('minLength'), 'unmet', '7 characters');
      await fresh.pressSequentially('z');
      assert.equal(await state('minLength'), 'met', '8 characters');
      assert.match(await rule('minLength').innerText(), /\(met\)$/);
      await fresh.fill(`${username}#X1y`);
      assert.equal(await state('usernameRun'), 'unmet', 'the user name');
      await fresh.fill('Mfa-Test#Zz9');
      assert.equal(await state('oldPasswordRun'), 'unmet', 'the old password');
      await fresh.fill('Welcome#Zz9');
      assert.equal(await state('restrictedPatterns'), 'unmet', 'a restricted word');
      await fresh.fill('Good#Choice42');
      for (const id of [
        'minLength',
        'minSpecial',
        'mixedCase',
        'minDigits',
        'notPalindrome',
        'maxRepeat',
        'usernameRun',
        'oldPasswordRun',
        'restrictedPatterns',
      ]) {
        assert.equal(await state(id), 'met', id);
      }
      await page.getByRole('button', { name: 'Show' }).nth(1).click();
      assert.equal(await fresh.getAttribute('type'), 'text');
      await noSidewaysScroll(page, size.width, 'change password');
      await noSupportCode(page, 'change password');
      await screenshot(page, `password-live-${size.width}`);

      // The server still decides: "aaab" is refused, its unmet rules named by the server.
      await page.getByLabel('New Password', { exact: true }).fill('aaab');
      await page.getByLabel('Confirm New Password').fill('aaab');
      await page.getByRole('button', { name: 'Change Password' }).click();
      await page.getByRole('alert').waitFor();
      const unmet = await page.locator('#password-rules li.unmet').allInnerTexts();
      assert.ok(
        unmet.some((text) => /Minimum length/.test(text)),
        JSON.stringify(unmet),
      );
      assert.equal(await page.getByLabel('New Password', { exact: true }).inputValue(), '', 'a password is never kept');
      await context.close();
    });

    it(`${size.name}: with JavaScript off, Change Password is a plain form and the server refuses a bad password`, async () => {
      const username = `wes${size.width}`;
      await createLocalDirectory({ store: world.running.admit.store, siteId: 'PWD' }).addUser({
        username,
        password: PASSWORD,
        email: `${username}@example.test`,
        name: 'Wes',
      });
      const context = await browser.newContext({ viewport: { width: size.width, height: size.height }, javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(await world.authorizeUrl());
      await page.getByLabel('User Name').fill(username);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByLabel('Log on to').selectOption('PWD');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await heading(page, 'Change Password');
      assert.equal(await page.getByRole('button', { name: 'Show' }).count(), 0, 'no toggle without JavaScript');
      await page.getByLabel('Old Password').fill(PASSWORD);
      await page.getByLabel('New Password', { exact: true }).fill('short');
      await page.getByLabel('Confirm New Password').fill('short');
      await page.getByRole('button', { name: 'Change Password' }).click();
      assert.match(await page.getByRole('alert').innerText(), /does not meet the rules marked below/);
      const unmet = await page.locator('#password-rules li.unmet').allInnerTexts();
      for (const expected of [/Minimum length/, /special characters/, /upper and lowercase/, /numerals/])
        assert.ok(
          unmet.some((text) => expected.test(text)),
          `${expected}: ${JSON.stringify(unmet)}`,
        );
      await noSidewaysScroll(page, size.width, 'change password without JavaScript');
      await screenshot(page, `password-nojs-refused-${size.width}`);
      await context.close();
    });

    it(`${size.name}: an error page gives a support code`, async () => {
      const context = await browser.newContext({ viewport: { width: size.width, height: size.height } });
      const page = await context.newPage();
      await page.goto(`${world.running.issuer}/interaction/no-such-interaction`);
      await page.getByRole('alert').waitFor();
      assert.match(await page.locator('.support-code').innerText(), /Support code [0-9a-f-]{8,}/);
      await noSidewaysScroll(page, size.width, 'error page');
      await screenshot(page, `error-support-code-${size.width}`);
      await context.close();
    });
  }
});
