import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { consoleSignInPage, enrollTotp, freshTotp, makeAdmin } from '../admin/console-support.ts';
import { linkIn } from '../invitations/support.ts';
import { codeFrom } from '../registration/support.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { startCallbackServer } from '../support/callback-server.ts';
import { heading, launchChromium, screenshot } from '../support/chromium.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';

/**
 * Issue 19: the pages no other Chromium test visits at both widths, reached
 * as a person reaches them, at 1280 px and 390 px: each one's heading and
 * its fields and buttons by their labels, no sideways scrolling, and a
 * screenshot (test-results/screenshots/every-<page>-<width>.png).
 */
const WIDTHS = [
  { width: 1280, height: 900 },
  { width: 390, height: 844 },
] as const;
const SECRET = 'every-page-rp-secret-0123456789-0123456789';
const PASSWORD = 'Every#Page2026';
const SITE = 'PARTNERS';

describe('every page not covered elsewhere, in Chromium at 1280 px and 390 px, by their labels', () => {
  let running: RunningAdmit;
  let smtp: TestSmtpServer;
  let app: Awaited<ReturnType<typeof startCallbackServer>>;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let browser: Browser;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    app = await startCallbackServer();
    const client = (id: string, name: string, firstParty: boolean) => ({
      client_id: id,
      client_name: name,
      client_secret: SECRET,
      first_party: firstParty,
      redirect_uris: [`${app.origin}/callback`],
      post_logout_redirect_uris: [`${app.origin}/`],
    });
    running = await startAdmit({
      config: {
        sites: [
          {
            id: SITE,
            displayName: 'Partner Center',
            directory: { kind: 'local' },
            signIn: { changePasswordAtFirstSignIn: false },
            signUp: { mode: 'approval', approvers: ['approvals@vendor.test'] },
          },
        ],
        clients: [client('rp', 'Customer Center', true), client('third', 'Partner Analytics', false)],
        mail: { transport: smtp.url, from: 'admit <no-reply@admit.test>' },
        outbox: { pollMs: 100 },
      },
    });
    chromium = await launchChromium();
    browser = chromium.browser;
  });
  afterAll(async () => {
    await chromium?.close();
    await running?.stop();
    await app?.close();
    await smtp?.stop();
  });

  const label = (page: Page, name: string) => page.getByLabel(name, { exact: true }).waitFor();
  const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true }).first().waitFor();

  /** The page as a person sees it: the heading, the labelled fields, no sideways scrolling, a screenshot. */
  async function check(page: Page, name: string, width: number, title: string | RegExp, labels: string[] = [], buttons: string[] = []) {
    await heading(page, title).catch(async (error: unknown) => {
      await screenshot(page, `every-${name}-${width}-failed`);
      throw new Error(`${name}: no heading ${String(title)} at ${page.url()}: ${(await page.locator('h1').allInnerTexts()).join(' | ')}`, { cause: error });
    });
    for (const one of labels) await label(page, one);
    for (const one of buttons) await button(page, one);
    const { scrollWidth, innerWidth } = (await page.evaluate('({ scrollWidth: document.scrollingElement.scrollWidth, innerWidth: window.innerWidth })')) as {
      scrollWidth: number;
      innerWidth: number;
    };
    await screenshot(page, `every-${name}-${width}`);
    assert.ok(scrollWidth <= innerWidth, `${name}: the page is ${scrollWidth} px wide in a ${innerWidth} px window`);
  }

  /** The support code stays inside its paragraph (and so inside the card), however narrow the window. */
  async function supportCodeFits(page: Page, name: string) {
    const fits = await page.evaluate(`(() => {
      const p = document.querySelector('.support-code');
      const code = p && p.querySelector('code');
      return !!code && code.getBoundingClientRect().right <= p.getBoundingClientRect().right + 0.5;
    })()`);
    assert.equal(fits, true, `${name}: the support code sticks out of its paragraph`);
  }

  /** A local user of the site with an account and an authenticator app (its secret, for codes). */
  async function userWithApp(username: string, app = true): Promise<string> {
    const { store } = running.admit;
    const user = await createLocalDirectory({ store, siteId: SITE }).addUser({
      username,
      password: PASSWORD,
      email: `${username}@partner.test`,
      name: `${username[0]!.toUpperCase()}${username.slice(1)}`,
    });
    const accounts = createAccountService({ store });
    const account = await accounts.linkOrCreate(SITE, 'local', { externalId: user.id, username, name: user.name, email: user.email, groups: [] });
    await accounts.save({ ...account, firstSignInAt: new Date().toISOString() });
    return app ? enrollTotp(store, account.id) : '';
  }

  async function authorizeUrl(clientId: string): Promise<string> {
    const config = await oidc.discovery(new URL(running.issuer), clientId, SECRET, undefined, { execute: [oidc.allowInsecureRequests] });
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: `${app.origin}/callback`,
      scope: 'openid profile email',
      state: oidc.randomState(),
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    }).href;
  }

  async function signIn(page: Page, username: string, password = PASSWORD) {
    await page.getByLabel('User Name').fill(username);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  for (const size of WIDTHS) {
    const w = size.width;

    it(`at ${w} px: User Registration's steps, and an invitation's set-up, done and broken-link pages`, async () => {
      const context = await browser.newContext({ viewport: size });
      const page = await context.newPage();
      const email = `asker${w}@partner.test`;
      await page.goto(`${running.issuer}/register`);
      await check(page, 'register-start', w, 'User Registration', ['Log on to', 'Email'], ['Send code']);
      await page.getByLabel('Email').fill(email);
      await page.getByRole('button', { name: 'Send code' }).click();
      await check(page, 'register-verify', w, 'Verify your email', ['Verification code'], ['Verify']);
      const mail = await smtp.waitFor((m) => m.to.includes(email) && /verification code/.test(m.subject));
      await page.getByLabel('Verification code').fill(codeFrom(mail.text));
      await page.getByRole('button', { name: 'Verify' }).click();
      await check(
        page,
        'register-details',
        w,
        /./,
        ['Name', 'Organisation', 'Reason for access', 'User Name', 'Password', 'Confirm Password'],
        ['Send request'],
      );
      await page.getByLabel('Name', { exact: true }).fill(`Asker ${w}`);
      await page.getByLabel('Organisation').fill('Acme Utilities');
      await page.getByLabel('Reason for access').fill('Reading meter data for our region');
      await page.getByLabel('User Name').fill(`asker${w}`);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByLabel('Confirm Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Send request' }).click();
      await check(page, 'register-status', w, 'Registration status');
      assert.match(await page.getByRole('status').innerText(), /waiting for approval/);
      // Signing in at the application before the decision: the sign-in says the request is waiting, the user name kept.
      await page.goto(await authorizeUrl('rp'));
      await signIn(page, `asker${w}`);
      await page.getByRole('alert').filter({ hasText: 'waiting for approval' }).waitFor();
      await check(page, 'sign-in-pending', w, 'Sign in', ['User Name', 'Password', 'Log on to'], ['Sign in']);
      assert.equal(await page.getByLabel('User Name').inputValue(), `asker${w}`);

      // The portal's front page, signed out.
      await page.goto(`${running.issuer}/`);
      await check(page, 'portal-signed-out', w, 'Self Service Portal');

      // An invitation, sent from the console by a global admin, redeemed in another browser.
      const admin = await makeAdmin(running, { site: SITE, username: `inviter${w}`, adminSites: ['*'] });
      const console = await (await browser.newContext({ viewport: size })).newPage();
      await consoleSignInPage(running, console, admin, '/admin/invitations');
      const invitee = `ines${w}@partner.test`;
      await console.getByLabel('Email', { exact: true }).fill(invitee);
      await console.getByLabel('Name', { exact: true }).fill(`Ines ${w}`);
      await console.getByLabel('Site', { exact: true }).selectOption(SITE);
      await console.getByRole('button', { name: 'Send invitation' }).click();
      await console.getByText('The invitation was saved and its email is on its way').waitFor();
      await console.context().close();
      const invitation = await smtp.waitFor((m) => m.to.includes(invitee));
      await page.goto(linkIn(invitation).href);
      await heading(page, 'You are invited');
      await page.getByRole('button', { name: 'Accept invitation' }).click();
      await check(page, 'invitation-set-up', w, 'Set up your sign-in', ['User Name', 'New Password', 'Confirm New Password'], ['Continue']);
      await page.getByLabel('User Name').fill(`ines${w}`);
      await page.getByLabel('New Password', { exact: true }).fill(PASSWORD);
      await page.getByLabel('Confirm New Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Continue' }).click();
      assert.equal(await page.getByLabel('User Name').inputValue(), `ines${w}`);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await check(page, 'invitation-done', w, 'You are all set');
      await page.getByRole('link', { name: 'Go to the Self Service Portal' }).waitFor();

      // The same link again, and a link with a broken token.
      await page.goto(linkIn(invitation).href);
      await check(page, 'invitation-used', w, 'Invitation');
      await page.getByRole('alert').waitFor();
      await page.goto(`${running.issuer}/invite?token=not-a-real-token`);
      await check(page, 'invitation-broken', w, 'Invitation');
      await page.getByRole('alert').waitFor();
      await context.close();
    });

    it(`at ${w} px: Reset Password and Unlock Account, each step`, async () => {
      const resetUser = `rhea${w}`;
      const unlockUser = `ugo${w}`;
      const resetSecret = await userWithApp(resetUser);
      const unlockSecret = await userWithApp(unlockUser);
      const context = await browser.newContext({ viewport: size });
      const page = await context.newPage();

      await page.goto(`${running.issuer}/portal/reset`);
      await check(page, 'reset-start', w, 'Reset Password', ['User Name', 'Log on to'], ['Continue']);
      await page.getByRole('link', { name: 'Cancel' }).waitFor();
      await page.getByLabel('User Name').fill(resetUser);
      await page.getByRole('button', { name: 'Continue' }).click();
      await check(page, 'reset-prove', w, 'Reset Password', ['Enter your code'], ['Verify']);
      await page.getByLabel('Enter your code').fill(await freshTotp(resetSecret));
      await page.getByRole('button', { name: 'Verify' }).click();
      await check(page, 'reset-new-password', w, 'Reset Password', ['New Password', 'Confirm New Password']);
      const fresh = 'Fresh#Meter2026';
      await page.getByLabel('New Password', { exact: true }).fill(fresh);
      await page.getByLabel('Confirm New Password').fill(fresh);
      await page.locator('main button[type="submit"].primary').click();
      await check(page, 'reset-done', w, 'Reset Password');
      await page.getByRole('status').waitFor();
      await page.getByRole('link', { name: 'Back to the Self Service Portal' }).waitFor();

      await page.goto(`${running.issuer}/portal/unlock`);
      await check(page, 'unlock-start', w, 'Unlock Account', ['User Name', 'Log on to'], ['Continue']);
      await page.getByLabel('User Name').fill(unlockUser);
      await page.getByRole('button', { name: 'Continue' }).click();
      await check(page, 'unlock-prove', w, 'Unlock Account', ['Enter your code'], ['Verify']);
      await page.getByLabel('Enter your code').fill(await freshTotp(unlockSecret));
      await page.getByRole('button', { name: 'Verify' }).click();
      await check(page, 'unlock-confirm', w, 'Unlock Account', [], ['Unlock Account']);
      await page.getByRole('button', { name: 'Unlock Account' }).click();
      await check(page, 'unlock-done', w, 'Unlock Account');
      await page.getByText('it is unlocked now').waitFor();
      await context.close();
    });

    it(`at ${w} px: consent, the portal's Change Password, the sign-out confirmation and done, and the error pages`, async () => {
      const username = `cora${w}`;
      await userWithApp(username, false); // no second factor enrolled: the sign-in goes straight to consent
      const context = await browser.newContext({ viewport: size });
      const page = await context.newPage();

      await page.goto(await authorizeUrl('third'));
      await signIn(page, username);
      await check(page, 'consent', w, 'Allow access?', [], ['Allow', 'Deny']);
      assert.match(await page.locator('main').innerText(), /Partner Analytics/);
      await page.getByRole('button', { name: 'Allow' }).click();
      await page.waitForURL((url) => url.origin === app.origin);

      // The portal's Change Password, by the same SSO session.
      await page.goto(`${running.issuer}/portal/password`);
      await check(page, 'portal-change-password', w, 'Change Password', ['Old Password', 'New Password', 'Confirm New Password'], ['Change Password']);

      await page.goto(`${running.issuer}/session/end`);
      await check(page, 'logout-confirm', w, 'Sign out', [], ['Yes, sign me out', 'No, stay signed in']);
      await page.getByRole('button', { name: 'Yes, sign me out' }).click();
      await check(page, 'logout-done', w, 'Signed out');

      const missing = await page.goto(`${running.issuer}/no-such-page`);
      assert.equal(missing?.status(), 404);
      await check(page, 'not-found', w, /./);
      await supportCodeFits(page, 'not-found');
      const gone = await page.goto(`${running.issuer}/interaction/not-a-real-interaction`);
      assert.ok((gone?.status() ?? 0) >= 400, `status ${gone?.status()}`);
      await check(page, 'interaction-gone', w, /./);
      await supportCodeFits(page, 'interaction-gone');
      await page.getByRole('alert').waitFor();
      const refused = await page.goto(
        `${running.issuer}/auth?client_id=no-such-client&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(`${app.origin}/callback`)}`,
      );
      assert.ok((refused?.status() ?? 0) >= 400, `status ${refused?.status()}`);
      await check(page, 'protocol-error', w, 'This request could not be completed');
      await supportCodeFits(page, 'protocol-error');
      await page.getByRole('alert').waitFor();
      await context.close();
    });

    it(`at ${w} px: the console's refusal, Relying applications and its register form, the Outbox, and signed out`, async () => {
      const outsider = `otto${w}`;
      const outsiderSecret = await userWithApp(outsider);
      const refusedContext = await browser.newContext({ viewport: size });
      const refusedPage = await refusedContext.newPage();
      await refusedPage.goto(`${running.issuer}/admin`);
      await check(refusedPage, 'console-sign-in', w, 'Sign in', ['User Name', 'Password', 'Log on to'], ['Sign in']);
      await signIn(refusedPage, outsider);
      await refusedPage.getByRole('button', { name: 'Passcode' }).click();
      await refusedPage.locator('#code').fill(await freshTotp(outsiderSecret));
      await refusedPage.getByRole('button', { name: 'Verify' }).click();
      await check(refusedPage, 'console-refused', w, 'No access to the admin console');
      await refusedPage.getByRole('link', { name: 'Sign in to the admin console' }).waitFor();
      await refusedContext.close();

      const admin = await makeAdmin(running, { site: SITE, username: `gina${w}`, adminSites: ['*'] });
      const context = await browser.newContext({ viewport: size });
      const page = await context.newPage();
      await consoleSignInPage(running, page, admin, '/admin/clients');
      await check(
        page,
        'console-clients',
        w,
        'Relying applications',
        ['Client ID', 'Application name', 'Redirect URIs', 'Client type', 'First party (skip the consent page)'],
        ['Register'],
      );
      await page.getByLabel('Client ID').fill(`meter-app-${w}`);
      await page.getByLabel('Application name').fill('Meter App');
      await page
        .getByLabel('Redirect URIs', { exact: true })
        .fill('https://meters.example.com/callback\nhttps://meters.example.com/a-much-longer-callback-path/for-the-phone-width');
      await page.getByRole('button', { name: 'Register' }).click();
      await page.locator('#client-secret').waitFor();
      await check(
        page,
        'console-client-registered',
        w,
        'Relying applications',
        [`Redirect URIs of meter-app-${w}`],
        ['Save redirect URIs', `Rotate the secret of meter-app-${w}`],
      );

      // An invitation to a long address, so the Outbox lists a message.
      const nav = page.getByRole('navigation', { name: 'Admin console' });
      const to = `outbox.message.with.a.long.address.${w}@partner-center.example.test`;
      await nav.getByRole('link', { name: 'Invitations' }).click();
      await page.getByLabel('Email', { exact: true }).fill(to);
      await page.getByLabel('Name', { exact: true }).fill(`Olive ${w}`);
      await page.getByLabel('Site', { exact: true }).selectOption(SITE);
      await page.getByRole('button', { name: 'Send invitation' }).click();
      await page.getByText('The invitation was saved and its email is on its way').waitFor();
      await smtp.waitFor((m) => m.to.includes(to));
      await nav.getByRole('link', { name: 'Outbox' }).click();
      await page.locator(`tr[data-to="${to}"]`).getByText('Sent').waitFor();
      await check(page, 'console-outbox', w, 'Outbox', [], [`Resend invitation to ${to}`]);

      await nav.getByRole('button', { name: 'Sign out' }).click();
      await check(page, 'console-logout-confirm', w, 'Sign out', [], ['Yes, sign me out']);
      await page.getByRole('button', { name: 'Yes, sign me out' }).click();
      await check(page, 'console-signed-out', w, 'Signed out');
      await page.getByRole('link', { name: 'Sign in to the admin console' }).waitFor();
      await context.close();
    });
  }
});
