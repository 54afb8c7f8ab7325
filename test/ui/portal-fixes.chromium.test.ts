import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { type MfaWorld, PASSWORD, startMfaWorld } from '../mfa/mfa-world.ts';
import { heading, launchChromium, screenshot } from '../support/chromium.ts';

/**
 * Issue 19's portal bugs, as a person meets them in Chromium at desktop and
 * phone width: Self Update with a new email and a new phone saves both; the
 * codes' texts name one product whatever the site's display name (the
 * enrollment's and the portal's); Reset Password / Unlock Account take an
 * authenticator-app code without touching "The code is from".
 */
const WIDTHS = [
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
] as const;

describe('portal fixes of issue 19, in Chromium at 1280 px and 390 px', () => {
  let world: MfaWorld;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let browser: Browser;

  beforeAll(async () => {
    // A site whose display name is an admin's label, not the product's name.
    world = await startMfaWorld({
      sites: [
        {
          id: 'OPS',
          displayName: 'Demo site (local directory)',
          directory: { kind: 'local' },
          signIn: { changePasswordAtFirstSignIn: false },
          mfa: { required: true },
        },
      ],
    });
    chromium = await launchChromium();
    browser = chromium.browser;
  });
  afterAll(async () => {
    await chromium?.close();
    await world?.stop();
  });

  /** The last text to this number, once it is there (a Self Update code goes through the outbox). */
  async function textTo(e164: string, after: number): Promise<string> {
    for (let tries = 0; tries < 100; tries += 1) {
      const sent = world.sms.sent.filter((message) => message.to === e164);
      if (sent.length > after) return sent.at(-1)!.text;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no text to ${e164}`);
  }
  const codeOf = (text: string) => /code is (\d{6})/.exec(text)?.[1] ?? assert.fail(`no code in ${text}`);

  for (const size of WIDTHS) {
    it(`${size.name}: enrolls by text on a site named "Demo site (local directory)", then saves a new email and a new phone in Self Update`, async () => {
      const username = `pia${size.width}`;
      const ops = createLocalDirectory({ store: world.running.admit.store, siteId: 'OPS' });
      await ops.addUser({ username, password: PASSWORD, email: `${username}@example.test`, name: 'Pia' });
      const enrolled = size.width === 1280 ? '+12015550181' : '+12015550182';
      const newPhone = size.width === 1280 ? '+12015550191' : '+12015550192';
      const context = await browser.newContext({ viewport: { width: size.width, height: size.height } });
      const page = await context.newPage();

      await page.goto(await world.authorizeUrl());
      await page.getByLabel('User Name').fill(username);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByLabel('Log on to').selectOption('OPS');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: 'Start setup' }).click();
      await page.getByLabel('Mobile phone').check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('Phone number').fill(enrolled.slice(2));
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('Yes, this is the correct number').check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Text me' }).click();
      await page.getByText(/We sent a text message with your code/).waitFor();
      const enrollmentText = await textTo(enrolled, 0);
      // One product name in every code's text, whatever the site is called.
      assert.match(enrollmentText, /^Your Customer & Partner Center verification code is \d{6}\./, enrollmentText);
      await page.getByLabel('Enter your 6-digit code').fill(codeOf(enrollmentText));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByLabel('Other (and cell phones)').check();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Skip' }).click();
      await page.getByRole('button', { name: 'Continue to Login' }).click();
      await page.getByRole('button', { name: 'Call me' }).click();
      const call = await textTo(enrolled, 1);
      assert.match(call, /^Hello\. This is the Customer & Partner Center\. Your verification code is/, call);
      await page.getByLabel('Enter your 6-digit code').fill(/code is ((?:\d, ){5}\d)/.exec(call)![1]!.replace(/, /g, ''));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByText('code received').waitFor();

      // Self Update: a new email and a new phone in one Save.
      await page.goto(`${world.running.issuer}/portal/profile`);
      await heading(page, 'Self Update');
      await page.getByLabel('Email').fill(`${username}.new@example.test`);
      await page.getByLabel('Phone').fill(newPhone);
      await page.getByRole('button', { name: 'Save' }).click();
      await heading(page, 'Verify your new email address');
      await page.getByText('We also sent a code to your new phone number; you enter it next.').waitFor();
      await screenshot(page, `ui-self-update-verify-email-${size.width}`);
      const mail = await world.smtp.waitFor((m) => m.to.includes(`${username}.new@example.test`));
      assert.equal(mail.subject, 'Your Customer & Partner Center verification code');
      await page.getByLabel('Enter your 6-digit code').fill(/\b(\d{6})\b/.exec(mail.text)![1]!);
      await page.getByRole('button', { name: 'Verify' }).click();

      await heading(page, 'Verify your new phone number');
      assert.match(await page.getByRole('status').innerText(), /Your new email address is saved/);
      await page.getByText(`We sent a 6-digit code to (201) 555-${newPhone.slice(-4)}.`).waitFor();
      const portalText = await textTo(newPhone, 0);
      assert.match(portalText, /^Your Customer & Partner Center verification code is \d{6}\./, portalText);
      await screenshot(page, `ui-self-update-verify-phone-${size.width}`);
      await page.getByLabel('Enter your 6-digit code').fill(codeOf(portalText));
      await page.getByRole('button', { name: 'Verify' }).click();
      await heading(page, 'Contact details updated');
      assert.match(
        await page.getByRole('status').innerText(),
        new RegExp(`Your email address is now ${username}\\.new@example\\.test and your phone number is now \\(201\\) 555-${newPhone.slice(-4)}\\.`),
      );
      await screenshot(page, `ui-self-update-done-${size.width}`);

      await page.goto(`${world.running.issuer}/portal/profile`);
      assert.equal(await page.getByLabel('Email').inputValue(), `${username}.new@example.test`);
      assert.match(await page.getByLabel('Phone').inputValue(), /201.*555.*01(91|92)|\+1201555019/);
      await context.close();
    });

    it(`${size.name}: Reset Password and Unlock Account take an authenticator-app code as the page comes, and a texted code after "Text me"`, async () => {
      const username = `quinn${size.width}`;
      const mobile = size.width === 1280 ? '2015550171' : '2015550172';
      const user = await world.enrolledUser(username, { mobile, app: true });
      const context = await browser.newContext({ viewport: { width: size.width, height: size.height } });
      const page = await context.newPage();

      await page.goto(`${world.running.issuer}/portal`);
      await page.getByRole('link', { name: 'Reset Password' }).click();
      await page.getByLabel('User Name').fill(username);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByText('Prove it is you').waitFor();
      assert.equal(await page.getByLabel('My authenticator app').isChecked(), true, 'nothing was texted yet: the app is the default');
      await screenshot(page, `ui-reset-prove-${size.width}`);
      await page.getByLabel('Enter your code').fill(await world.appCode(user.secret!));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByLabel('New Password', { exact: true }).waitFor();

      // Unlock Account from an application's sign-in page: the last page leads back to that sign-in.
      await page.goto(await world.authorizeUrl());
      await page.getByRole('link', { name: 'Unlock Account' }).click();
      await page.getByLabel('User Name').fill(username);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('button', { name: 'Text me' }).click();
      await page.getByText('If your account has a phone for this').waitFor();
      assert.equal(await page.getByLabel('A text message or call').isChecked(), true, 'after "Text me" the texted code is expected');
      await page.getByLabel('Enter your code').fill(world.codeFor(`+1${mobile}`));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.getByRole('button', { name: 'Unlock Account' }).click();
      await page.getByText('it is unlocked now').waitFor();
      await screenshot(page, `ui-unlock-done-${size.width}`);
      await page.getByRole('link', { name: 'Back to the sign-in' }).click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await page.getByText('to continue to Customer Center').waitFor();
      await page.getByLabel('User Name').fill(username);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await heading(page, 'Choose an authentication method');
      await context.close();
    });
  }
});
