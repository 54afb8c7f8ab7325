import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { heading, launchChromium, screenshot } from '../support/chromium.ts';
import { type MfaWorld, startMfaWorld } from './mfa-world.ts';

/**
 * The guided enrollment (seed steps 4–13) in real Chromium, through every
 * branch of "What type of device are you adding?" except security keys
 * (webauthn.chromium.test.ts): a mobile phone verified by text and by call,
 * a tablet with an authenticator app, a landline.
 */
describe('MFA enrollment wizard in Chromium', () => {
  let world: MfaWorld;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let browser: Browser;
  const secrets = new Map<string, string>();

  beforeAll(async () => {
    world = await startMfaWorld();
    for (const name of ['amy', 'ben', 'cat', 'dan']) await world.addUser(name);
    chromium = await launchChromium();
    browser = chromium.browser;
  });
  afterAll(async () => {
    await chromium?.close();
    await world?.stop();
  });

  async function chooseDevice(page: Page, label: string) {
    await heading(page, 'What type of device are you adding?');
    await page.getByLabel(label).check();
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  async function enterPhone(page: Page, typed: string, shown: string, shot?: string) {
    await heading(page, 'Enter your phone number');
    assert.equal(await page.getByLabel('Country').inputValue(), 'US', 'United States is preselected');
    await page.getByLabel('Phone number').fill(typed);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByText('Is this the correct number?').waitFor();
    assert.match(await page.locator('.confirm').innerText(), new RegExp(shown.replace(/[()]/g, '\\$&')));
    if (shot) await screenshot(page, shot);
    await page.getByRole('button', { name: 'Continue' }).click();
    assert.match(await page.getByRole('alert').innerText(), /Confirm that this number is correct/, 'Continue without the box asks again');
    await page.getByLabel('Yes, this is the correct number').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await heading(page, `Verify Ownership of ${shown}`);
  }

  async function activateApp(page: Page, user: string, shot?: string) {
    await heading(page, 'Install an authenticator app');
    if (shot) await screenshot(page, `${shot}-install`);
    await page.getByRole('button', { name: 'Continue' }).click();
    await heading(page, 'Activate your authenticator app');
    const qr = page.getByRole('img', { name: 'QR code to scan with your authenticator app' });
    assert.match(String(await qr.getAttribute('src')), /^data:image\/png;base64,/);
    assert.ok((await qr.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)) > 100, 'the QR code is drawn');
    await page.getByText("Can't scan the code?").click();
    const secret = (await page.locator('#manual-key').innerText()).replace(/\s/g, '');
    assert.match(secret, /^[A-Z2-7]{32}$/);
    secrets.set(user, secret);
    if (shot) await screenshot(page, `${shot}-qr`);
    await page.getByLabel('Enter the 6-digit code from the app').fill('000000');
    await page.getByRole('button', { name: 'Continue' }).click();
    assert.match(await page.getByRole('alert').innerText(), /not correct/);
    await page.getByLabel('Enter the 6-digit code from the app').fill(await world.appCode(secret));
    await page.getByRole('button', { name: 'Continue' }).click();
  }

  async function finishAtSettings(page: Page, devices: RegExp, shot?: string) {
    await heading(page, 'My Settings & Devices');
    assert.match(await page.getByRole('list', { name: 'Your devices' }).innerText(), devices);
    if (shot) await screenshot(page, shot);
    await page.getByRole('button', { name: 'Continue to Login' }).click();
    await heading(page, 'Choose an authentication method');
    assert.match(await page.getByRole('status').innerText(), /Enrollment successful! This is the login prompt that you'll normally see when logging in\./);
  }

  it('mobile phone, verified by text, with an authenticator app and recovery codes (amy)', async () => {
    const page = await browser.newPage();
    await world.signIn(page, 'amy');
    await heading(page, 'Protect Your Customer & Partner Center Account');
    assert.equal(await page.getByLabel('Trust this browser').isChecked(), true, 'checked by default, as in the seed');
    assert.match(await page.locator('.trust .note').innerText(), /for next 180 days/);
    await screenshot(page, 'mfa-01-protect-your-account');
    await page.getByRole('button', { name: 'Start setup' }).click();

    await heading(page, 'What type of device are you adding?');
    assert.deepEqual(
      (await page.locator('.choice label').allInnerTexts()).map((text) => text.trim()),
      ['Mobile phone RECOMMENDED', 'Tablet (iPad, Nexus 7, etc.)', 'Landline', 'Security Key (YubiKey, Feitian, etc.)'],
    );
    await screenshot(page, 'mfa-02-device-type');
    await chooseDevice(page, 'Mobile phone');

    await page.getByLabel('Phone number').fill('555');
    await page.getByRole('button', { name: 'Continue' }).click();
    assert.match(await page.getByRole('alert').innerText(), /valid phone number/);
    await screenshot(page, 'mfa-03-phone-number');
    await enterPhone(page, '201-234-5678', '(201) 234-5678', 'mfa-04-phone-confirm');

    await page.getByRole('button', { name: 'Text me' }).click();
    await page.getByText('We sent a text message with your code to (201) 234-5678.').waitFor();
    await page.getByLabel('Enter your 6-digit code').fill('12345');
    await page.getByRole('button', { name: 'Verify' }).click();
    assert.match(await page.getByRole('alert').innerText(), /Enter the 6-digit code/);
    await page.getByLabel('Enter your 6-digit code').fill(world.codeFor('+12012345678'));
    await screenshot(page, 'mfa-05-verify-ownership');
    await page.getByRole('button', { name: 'Verify' }).click();

    await heading(page, 'What type of phone is (201) 234-5678?');
    await screenshot(page, 'mfa-06-phone-type');
    await page.getByLabel('iPhone').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await activateApp(page, 'amy', 'mfa-07');

    await heading(page, 'Save recovery codes');
    await page.getByRole('button', { name: 'Create recovery codes' }).click();
    const codes = await page.getByRole('list', { name: 'Recovery codes' }).locator('li').allInnerTexts();
    assert.equal(codes.length, 10);
    secrets.set('amy-recovery', codes[0]!.trim());
    await screenshot(page, 'mfa-08-recovery-codes');
    await page.getByRole('button', { name: 'I have saved my recovery codes' }).click();

    await finishAtSettings(page, /iOS \(201\) 234-5678/, 'mfa-09-settings');
    assert.deepEqual(
      (await page.getByRole('button').allInnerTexts()).filter((text) => ['Text me', 'Call me', 'Passcode', 'Recovery code'].includes(text)),
      ['Text me', 'Call me', 'Passcode', 'Recovery code'],
    );
    await screenshot(page, 'mfa-10-choose-method');
    await page.getByRole('button', { name: 'Passcode' }).click();
    await heading(page, 'Enter a passcode');
    await page.getByLabel('Passcode from your authenticator app').fill(await world.appCode(secrets.get('amy')!));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('code received').waitFor();

    const mail = await world.smtp.waitFor((m) => m.to.includes('amy@example.test') && /device was added/.test(m.subject));
    assert.match(mail.text, /The device "Mobile phone \(201\) 234-5678" was added for two-step verification to your account amy on Customer & Partner Center/);
    assert.equal(world.smtp.received.filter((m) => m.to.includes('amy@example.test')).length, 1, 'one email for the device, not one per step of its setup');
    assert.ok(
      await page
        .context()
        .cookies()
        .then((cookies) => cookies.some((cookie) => cookie.name === 'admit.trust' && cookie.httpOnly)),
      'the browser is trusted',
    );
    await page.context().close();
  });

  it('mobile phone, verified by a call, "Other (and cell phones)" skips the app (ben)', async () => {
    const page = await browser.newPage();
    await world.signIn(page, 'ben');
    await page.getByLabel('Trust this browser').uncheck();
    await page.getByRole('button', { name: 'Start setup' }).click();
    await chooseDevice(page, 'Mobile phone');
    await enterPhone(page, '(201) 234-5679', '(201) 234-5679');
    await page.getByRole('button', { name: 'Call me' }).click();
    await page.getByText('We are calling (201) 234-5679 to read you your code.').waitFor();
    assert.equal(world.sms.last('+12012345679')?.channel, 'voice');
    await page.getByLabel('Enter your 6-digit code').fill(world.codeFor('+12012345679'));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByLabel('Other (and cell phones)').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await heading(page, 'Save recovery codes');
    await page.getByRole('button', { name: 'Skip' }).click();
    await finishAtSettings(page, /Mobile phone \(201\) 234-5679/);
    assert.equal(await page.getByRole('button', { name: 'Passcode' }).count(), 0, 'no app on this phone');
    await page.getByRole('button', { name: 'Call me' }).click();
    await heading(page, 'Enter your 6-digit code');
    await page.getByLabel('Enter your 6-digit code').fill(world.codeFor('+12012345679'));
    await screenshot(page, 'mfa-11-enter-code');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('code received').waitFor();
    assert.ok(!(await page.context().cookies()).some((cookie) => cookie.name === 'admit.trust'), 'not trusted: the box was unchecked');
    await page.context().close();
  });

  it('tablet: no phone steps, straight to the app (cat)', async () => {
    const page = await browser.newPage();
    await world.signIn(page, 'cat');
    await page.getByRole('button', { name: 'Start setup' }).click();
    await chooseDevice(page, 'Tablet (iPad, Nexus 7, etc.)');
    await heading(page, 'What type of tablet is this?');
    await page.getByLabel('iPad').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await activateApp(page, 'cat');
    await page.getByRole('button', { name: 'Skip' }).click();
    await finishAtSettings(page, /iPad/);
    assert.equal(await page.getByRole('button', { name: 'Text me' }).count(), 0);
    await page.getByRole('button', { name: 'Passcode' }).click();
    await page.getByLabel('Passcode from your authenticator app').fill(await world.appCode(secrets.get('cat')!));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('code received').waitFor();
    await page.context().close();
  });

  it('landline: voice calls only (dan)', async () => {
    const page = await browser.newPage();
    await world.signIn(page, 'dan');
    await page.getByRole('button', { name: 'Start setup' }).click();
    await chooseDevice(page, 'Landline');
    await enterPhone(page, '(201) 555-0147', '(201) 555-0147');
    assert.equal(await page.getByRole('button', { name: 'Text me' }).count(), 0, 'a landline cannot take texts');
    await screenshot(page, 'mfa-12-landline-verify');
    await page.getByRole('button', { name: 'Call me' }).click();
    await page.getByLabel('Enter your 6-digit code').fill(world.codeFor('+12015550147'));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('button', { name: 'Skip' }).click();
    await finishAtSettings(page, /Landline \(201\) 555-0147/);
    await page.getByRole('button', { name: 'Call me' }).click();
    await page.getByLabel('Enter your 6-digit code').fill(world.codeFor('+12015550147'));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('code received').waitFor();
    await page.context().close();
  });
});
