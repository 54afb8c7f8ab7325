import assert from 'node:assert/strict';
import pino from 'pino';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createAuditLog } from '../../src/services/audit/audit-log.ts';
import { consoleSignInPage, makeAdmin } from '../admin/console-support.ts';
import { linkIn } from '../invitations/support.ts';
import { codeFrom } from '../registration/support.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { launchChromium, screenshot } from '../support/chromium.ts';
import { freePort } from '../support/free-port.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';

/**
 * Issue 19's sign-up and mail bugs in Chromium at 1280 px and 390 px: the
 * invitation email's "You will sign in with …" per directory kind; "User
 * Registration" only where a site takes requests; the registration code not
 * in the email's subject; the console's audit rows of MFA events name the user.
 */
const WIDTHS = [
  { width: 1280, height: 900 },
  { width: 390, height: 844 },
] as const;
const inviter = { id: 'admin-id', label: 'The Admin' };
const entra = {
  kind: 'entra',
  tenant: '11111111-1111-4111-8111-111111111111',
  clientId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
  clientSecret: 'test-client-secret-value',
  domains: ['contoso.test'],
  timeoutMs: 1500,
};

describe('sign-up and mail fixes of issue 19, in Chromium', () => {
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let browser: Browser;
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    chromium = await launchChromium();
    browser = chromium.browser;
  });
  afterAll(async () => {
    await chromium?.close();
    await smtp?.stop();
  });

  describe('sites that take no requests (invitation only)', () => {
    let running: RunningAdmit;
    beforeAll(async () => {
      const closed = await freePort();
      running = await startAdmit({
        config: {
          sites: [
            { id: 'LOCAL', displayName: 'Local partners', directory: { kind: 'local' }, signUp: { mode: 'invitation' } },
            {
              id: 'ACME',
              displayName: 'ACME',
              directory: {
                kind: 'ldap',
                flavor: 'openldap',
                urls: [`ldap://127.0.0.1:${closed}`],
                bindDn: 'cn=svc,dc=acme,dc=test',
                bindPassword: 'secret',
                userBase: 'ou=people,dc=acme,dc=test',
                connectTimeoutMs: 500,
                timeoutMs: 500,
              },
              signUp: { mode: 'invitation' },
            },
            { id: 'CONTOSO', displayName: 'Contoso', directory: entra, signUp: { mode: 'invitation' } },
          ],
          mail: { transport: smtp.url, from: 'admit <no-reply@admit.test>' },
        },
      });
    });
    afterAll(async () => running?.stop());

    it('invitation emails say how the person will sign in, per directory kind, and the link opens at both widths', async () => {
      for (const [siteId, expected] of [
        ['LOCAL', 'You will sign in with a user name and password you choose, then finish setting up your access.'],
        ['ACME', 'You will sign in with your ACME user name and password, then finish setting up your access.'],
        ['CONTOSO', 'You will sign in with your Microsoft account, then finish setting up your access.'],
      ] as const) {
        const email = `invitee-${siteId.toLowerCase()}@example.test`;
        const outcome = await running.admit.approval.invitations.invite({ siteId, email, role: 'user', groups: [] }, inviter);
        assert.equal(outcome.status, 'ok');
        const mail = await smtp.waitFor((m) => m.to.includes(email));
        assert.ok(mail.text.replace(/\s+/g, ' ').includes(expected), mail.text);
        assert.doesNotMatch(mail.text, /your a user name/);
        if (siteId === 'LOCAL') {
          for (const size of WIDTHS) {
            const context = await browser.newContext({ viewport: size });
            const page = await context.newPage();
            await page.goto(linkIn(mail).href);
            await page.getByText('Next you choose a user name and password.').waitFor();
            await screenshot(page, `ui-invitation-${size.width}`);
            await context.close();
          }
        }
      }
    });

    it('the sign-in page and the portal offer no "User Registration" when no site takes requests', async () => {
      for (const size of WIDTHS) {
        const context = await browser.newContext({ viewport: size });
        const page = await context.newPage();
        await page.goto(`${running.issuer}/portal/profile`);
        await page.getByRole('heading', { name: 'Sign in' }).waitFor();
        await page.getByRole('link', { name: 'Reset Password' }).waitFor();
        assert.equal(await page.getByRole('link', { name: 'User Registration' }).count(), 0, 'no site takes requests');
        await screenshot(page, `ui-sign-in-no-registration-${size.width}`);
        await page.goto(`${running.issuer}/portal`);
        await page.getByRole('link', { name: 'Self Update' }).waitFor();
        assert.equal(await page.getByRole('link', { name: 'User Registration' }).count(), 0);
        await context.close();
      }
    });
  });

  describe('a site that takes access requests', () => {
    let running: RunningAdmit;
    beforeAll(async () => {
      running = await startAdmit({
        config: {
          sites: [
            { id: 'STAFF', displayName: 'Staff', directory: { kind: 'local' }, signUp: { mode: 'invitation' } },
            { id: 'PARTNERS', displayName: 'Partner Center', directory: { kind: 'local' }, signUp: { mode: 'approval' } },
          ],
          mail: { transport: smtp.url, from: 'admit <no-reply@admit.test>' },
        },
      });
    });
    afterAll(async () => running?.stop());

    it('offers "User Registration", whose code email keeps the code out of the subject', async () => {
      for (const size of WIDTHS) {
        const context = await browser.newContext({ viewport: size });
        const page = await context.newPage();
        await page.goto(`${running.issuer}/portal/profile`);
        await page.getByRole('heading', { name: 'Sign in' }).waitFor();
        await page.getByRole('link', { name: 'User Registration' }).click();
        const email = `asker${size.width}@example.test`;
        await page.getByLabel('Log on to').selectOption('PARTNERS');
        await page.getByLabel('Email').fill(email);
        await page.getByRole('button', { name: 'Send code' }).click();
        const mail = await smtp.waitFor((m) => m.to.includes(email));
        const code = codeFrom(mail.text);
        assert.equal(mail.subject, 'Your Customer & Partner Center verification code');
        assert.ok(!mail.subject.includes(code), 'the code is not in the subject');
        await page.getByLabel('Verification code').fill(code);
        await page.getByRole('button', { name: 'Verify' }).click();
        await page.getByLabel('Organisation').waitFor();
        await screenshot(page, `ui-registration-details-${size.width}`);
        await context.close();
      }
    });

    it("the console's audit log names the user of MFA events", async () => {
      const gina = await makeAdmin(running, { site: 'STAFF', username: 'gina', adminSites: ['*'] });
      for (const size of WIDTHS) {
        const context = await browser.newContext({ viewport: size });
        const page = await context.newPage();
        // The console's sign-in asks for the authenticator: an mfa_verify event of gina's.
        await consoleSignInPage(running, page, gina, '/admin/audit');
        await page.goto(`${running.issuer}/admin/audit?action=mfa_verify`);
        const rows = page.getByRole('row').filter({ hasText: 'mfa_verify' });
        await rows.first().waitFor();
        const headers = (await page.getByRole('columnheader').allInnerTexts()).map((text) => text.trim());
        const userColumn = headers.indexOf('User');
        assert.ok(userColumn >= 0, headers.join('|'));
        for (const row of await rows.all()) assert.equal((await row.getByRole('cell').nth(userColumn).innerText()).trim(), 'gina');
        await screenshot(page, `ui-audit-mfa-${size.width}`);
        await context.close();
      }

      // A row written before MFA events carried the user name: the page fills it from the account.
      await createAuditLog({ logger: pino({ level: 'silent' }), store: running.admit.store }).record(undefined, {
        action: 'mfa_device_added',
        outcome: 'ok',
        site: 'STAFF',
        accountId: gina.account.id,
      });
      const context = await browser.newContext();
      const page = await context.newPage();
      await consoleSignInPage(running, page, gina, '/admin/audit');
      await page.goto(`${running.issuer}/admin/audit?action=mfa_device_added`);
      const row = page.getByRole('row').filter({ hasText: 'mfa_device_added' });
      await row.waitFor();
      assert.match(await row.innerText(), /\bgina\b/);
      await context.close();
    });
  });
});
