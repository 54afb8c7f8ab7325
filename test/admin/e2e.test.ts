import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { linkIn } from '../invitations/support.ts';
import { codeFrom } from '../registration/support.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { startCallbackServer } from '../support/callback-server.ts';
import { launchChromium, screenshot } from '../support/chromium.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { consoleSignInPage, makeAdmin, type TestAdmin } from './console-support.ts';

const SECRET = 'e2e-rp-secret-0123456789-0123456789-abc';
const sites = [
  { id: 'PARTNERS', displayName: 'Partner Center', directory: { kind: 'local' }, signUp: { mode: 'approval', approvers: ['approvals@vendor.test'] } },
];

describe('invitations, sign-up requests and the admin console, end to end in Chromium', () => {
  let running: RunningAdmit;
  let smtp: TestSmtpServer;
  let app: Awaited<ReturnType<typeof startCallbackServer>>;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let browser: Browser;
  let gina: TestAdmin;
  let console: Page;

  /** A person's own browser, signing in at the relying application. */
  async function signInAtApp(page: Page, username: string, password: string) {
    const config = await oidc.discovery(new URL(running.issuer), 'rp', SECRET, undefined, { execute: [oidc.allowInsecureRequests] });
    await page.goto(
      oidc.buildAuthorizationUrl(config, {
        redirect_uri: `${app.origin}/callback`,
        scope: 'openid',
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
      }).href,
    );
    if (await page.getByLabel('User Name').count()) {
      await page.getByLabel('User Name').fill(username);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
    }
  }

  /** "User Registration" in the person's browser, up to the status page. */
  async function requestAccess(page: Page, person: { name: string; email: string; username: string }) {
    await page.goto(`${running.issuer}/register`);
    await page.getByLabel('Log on to').selectOption('PARTNERS');
    await page.getByLabel('Email').fill(person.email);
    await page.getByRole('button', { name: 'Send code' }).click();
    const mail = await smtp.waitFor((m) => m.to.includes(person.email) && /verification code/.test(m.subject));
    await page.getByLabel('Verification code').fill(codeFrom(mail.text));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByLabel('Name', { exact: true }).fill(person.name);
    await page.getByLabel('Organisation').fill('Acme Utilities');
    await page.getByLabel('Reason for access').fill('Reading meter data for our region');
    await page.getByLabel('User Name').fill(person.username);
    await page.getByLabel('Password', { exact: true }).fill('Partner#Meter2026');
    await page.getByLabel('Confirm Password').fill('Partner#Meter2026');
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.getByRole('heading', { name: 'Registration status' }).waitFor();
  }

  beforeAll(async () => {
    smtp = await startSmtpServer();
    app = await startCallbackServer();
    running = await startAdmit({
      config: {
        sites,
        clients: [{ client_id: 'rp', client_name: 'Partner Portal', client_secret: SECRET, first_party: true, redirect_uris: [`${app.origin}/callback`] }],
        mail: { transport: smtp.url, from: 'admit <no-reply@admit.test>' },
      },
    });
    gina = await makeAdmin(running, { site: 'PARTNERS', username: 'gina', adminSites: ['*'], email: 'gina@vendor.test' });
    chromium = await launchChromium();
    browser = chromium.browser;
    console = await (await browser.newContext()).newPage();
    await consoleSignInPage(running, console, gina);
  });
  afterAll(async () => {
    await chromium?.close();
    await running?.stop();
    await app?.close();
    await smtp?.stop();
  });

  it('invite → email → redeem → sign in', async () => {
    await console.getByRole('link', { name: 'Invitations' }).click();
    await console.getByLabel('Email', { exact: true }).fill('ines@partner.test');
    await console.getByLabel('Name', { exact: true }).fill('Ines Invited');
    await console.getByLabel('Site', { exact: true }).selectOption('PARTNERS');
    await console.getByLabel('Groups').fill('partners; meter-readers');
    await console.getByRole('button', { name: 'Send invitation' }).click();
    await console.getByText('The invitation was saved and its email is on its way').waitFor();
    await screenshot(console, 'admin-invitations');

    const mail = await smtp.waitFor((m) => m.to.includes('ines@partner.test'));
    assert.equal(mail.subject, 'You are invited to Partner Center');
    const invitee = await (await browser.newContext()).newPage();
    await invitee.goto(linkIn(mail).href);
    await invitee.getByRole('heading', { name: 'You are invited' }).waitFor();
    await screenshot(invitee, 'invitation-landing');
    await invitee.getByRole('button', { name: 'Accept invitation' }).click();
    await invitee.getByLabel('User Name').fill('ines');
    await invitee.getByLabel('New Password', { exact: true }).fill('Ines#Partner2026');
    await invitee.getByLabel('Confirm New Password').fill('Ines#Partner2026');
    await screenshot(invitee, 'invitation-set-up');
    await invitee.getByRole('button', { name: 'Continue' }).click();
    // The first sign-in with the new user name runs every gate, then says so.
    assert.equal(await invitee.getByLabel('User Name').inputValue(), 'ines');
    await invitee.getByLabel('Password').fill('Ines#Partner2026');
    await invitee.getByRole('button', { name: 'Sign in' }).click();
    await invitee.getByRole('heading', { name: 'You are all set' }).waitFor();
    await screenshot(invitee, 'invitation-done');
    await signInAtApp(invitee, 'ines', 'Ines#Partner2026');
    await invitee.getByText('code received').waitFor();

    await console.reload();
    assert.match(await console.locator('tr[data-invitation="ines@partner.test"]').innerText(), /Redeemed/);
    await invitee.context().close();
  });

  it('request → approve → email → sign in', async () => {
    const person = await (await browser.newContext()).newPage();
    await requestAccess(person, { name: 'Rita Requester', email: 'rita@partner.test', username: 'rita' });
    assert.match(await person.locator('main').innerText(), /typically processed within two business days/);
    await screenshot(person, 'registration-status');
    // Before the decision: the seed's error, no token.
    await signInAtApp(person, 'rita', 'Partner#Meter2026');
    await person.getByText('waiting for approval').first().waitFor();
    await screenshot(person, 'sign-in-pending');

    await console.getByRole('link', { name: 'Approval queue' }).click();
    await console.getByText('Rita Requester').waitFor();
    await screenshot(console, 'admin-approval-queue');
    await console.getByRole('button', { name: 'Approve Rita Requester' }).click();
    await console.getByText('The request was approved').waitFor();
    const mail = await smtp.waitFor((m) => m.to.includes('rita@partner.test') && /approved/.test(m.subject));
    assert.match(mail.text, /User Name "rita"/);

    await signInAtApp(person, 'rita', 'Partner#Meter2026');
    await person.getByText('code received').waitFor();
    await person.context().close();
  });

  it('request → deny', async () => {
    const person = await (await browser.newContext()).newPage();
    await requestAccess(person, { name: 'Dora Denied', email: 'dora@partner.test', username: 'dora' });
    await console.getByRole('link', { name: 'Approval queue' }).click();
    const row = console.locator('tr', { hasText: 'Dora Denied' });
    await row.getByLabel('Reason for denial').fill('No contract with Acme Utilities');
    await row.getByRole('button', { name: 'Deny Dora Denied' }).click();
    await console.getByText('The request was denied').waitFor();
    const mail = await smtp.waitFor((m) => m.to.includes('dora@partner.test') && /declined/.test(m.subject));
    assert.match(mail.text, /Reason: No contract with Acme Utilities/);
    await signInAtApp(person, 'dora', 'Partner#Meter2026');
    await person.getByText('was denied').first().waitFor();
    await screenshot(person, 'sign-in-denied');
    await person.context().close();
  });

  it("the console's users, user, relying applications and audit pages", async () => {
    await console.getByRole('link', { name: 'Users' }).click();
    await console.getByLabel('Search').fill('partner.test');
    await console.getByRole('button', { name: 'Search' }).click();
    await console.getByRole('link', { name: 'rita' }).waitFor();
    await screenshot(console, 'admin-users');
    await console.getByRole('link', { name: 'rita' }).click();
    await console.getByRole('button', { name: 'Sign out everywhere' }).click();
    await console.getByText('signed out everywhere').waitFor();
    await screenshot(console, 'admin-user');
    await console.getByRole('link', { name: 'Relying applications' }).click();
    await console.getByLabel('Client ID').fill('meter-app');
    await console.getByLabel('Application name').fill('Meter App');
    await console.getByLabel('Redirect URIs', { exact: true }).fill('https://meters.example.com/callback');
    await console.getByRole('button', { name: 'Register' }).click();
    await console.locator('#client-secret').waitFor();
    await screenshot(console, 'admin-clients');
    await console.getByRole('link', { name: 'Audit log' }).click();
    await console.getByLabel('Action').fill('admin.');
    await console.getByRole('button', { name: 'Filter' }).click();
    await console.getByRole('cell', { name: 'admin.request.deny' }).waitFor();
    await screenshot(console, 'admin-audit');
    const download = console.waitForEvent('download');
    await console.getByRole('link', { name: 'Export CSV' }).click();
    const csv = await (await download).createReadStream();
    let text = '';
    for await (const chunk of csv) text += chunk;
    assert.match(text, /^at,action,outcome,site,username,accountId,actor,ip,requestId,detail\r\n/);
    assert.match(text, /admin\.request\.approve,ok,PARTNERS,rita,/);
  });
});
