import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLdapConnector } from '../../plugins/connector-ldap/ldap-connector.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { newDeviceId } from '../../src/services/mfa/devices.ts';
import { captureNotifier, codeIn } from '../mfa/harness.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { launchChromium } from '../support/chromium.ts';
import { directoryFor, type RunningSlapd, seedPassword, startSlapd } from '../support/slapd.ts';

/** The portal's password pages for a directory site: every write seen by a fresh bind. */
describe('the portal on an LDAP site (real OpenLDAP)', () => {
  let slapd: RunningSlapd;
  let running: RunningAdmit;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let browser: Browser;
  const sms = captureNotifier();
  const bind = async (username: string, password: string) => {
    const connector = createLdapConnector(directoryFor(slapd));
    try {
      return (await connector.verifyPassword({ username, password })).status;
    } finally {
      await connector.close?.();
    }
  };

  /** A directory user admit knows, with a phone enrolled for the second factor. */
  async function withPhone(username: string, number: string): Promise<void> {
    const connector = createLdapConnector(directoryFor(slapd));
    const outcome = await connector.verifyPassword({ username, password: seedPassword(username) }).catch(() => undefined);
    await connector.close?.();
    // A locked user cannot bind, so its account gets a stand-in link: the portal finds accounts by user name.
    const identity = outcome?.status === 'ok' ? outcome.identity : { externalId: `${username}-id`, username, groups: [] };
    const account = await createAccountService({ store: running.admit.store }).linkOrCreate('ACME', 'ldap', identity);
    const who = (await running.admit.mfa.subject(account.id))!;
    const phone = running.admit.mfa.phoneNumbers.parse('US', number);
    if (phone.status !== 'ok') throw new Error('bad number');
    await running.admit.mfa.manage.add(
      undefined,
      who,
      { id: newDeviceId(), type: 'mobile', name: 'Phone', phone: phone.phone, createdAt: new Date().toISOString() },
      { verifiedAt: Date.now() },
    );
  }

  async function proveByText(page: Page, kind: 'Reset Password' | 'Unlock Account', username: string, number: string) {
    await page.goto(`${running.issuer}/portal`);
    await page.getByRole('link', { name: kind }).click();
    await page.getByLabel('User Name').fill(username);
    await page.getByLabel('Log on to').selectOption('ACME');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Text me' }).click();
    await page.getByText('If your account has a phone').waitFor();
    await page.getByLabel('A text message or call').check();
    await page.getByLabel('Enter your code').fill(codeIn(sms.last(number)));
    await page.getByRole('button', { name: 'Verify' }).click();
  }

  beforeAll(async () => {
    slapd = await startSlapd();
    running = await startAdmit({
      compose: { notifierLog: sms.log },
      config: {
        sites: [{ id: 'ACME', displayName: 'ACME', directory: directoryFor(slapd), signIn: { changePasswordAtFirstSignIn: false } }],
        sms: { resendCooldownSeconds: 0 },
      },
    });
    chromium = await launchChromium();
    browser = chromium.browser;
  });
  afterAll(async () => {
    await chromium?.close();
    await running?.stop();
    await slapd?.stop();
  });

  it('changes a directory password from the portal (Password Modify with the old password)', async () => {
    const page = await browser.newPage();
    await page.goto(`${running.issuer}/portal/password`);
    await page.getByLabel('User Name').fill('grace');
    await page.getByLabel('Password').fill(seedPassword('grace'));
    await page.getByLabel('Log on to').selectOption('ACME');
    await page.getByRole('button', { name: 'Sign in' }).click();
    // MFA enrollment may come first on a site that requires it; this site does not.
    await page.getByText('Change your current domain password.').waitFor();
    await page.getByLabel('Old Password').fill(seedPassword('grace'));
    await page.getByLabel('New Password', { exact: true }).fill('Summit#Portal2026');
    await page.getByLabel('Confirm New Password').fill('Summit#Portal2026');
    await page.getByRole('button', { name: 'Change Password' }).click();
    await page.getByRole('heading', { name: 'Password changed' }).waitFor();
    assert.equal(await bind('grace', 'Summit#Portal2026'), 'ok');
    assert.equal(await bind('grace', seedPassword('grace')), 'invalid');
    await page.close();
  });

  it('resets a forgotten directory password after a texted code (administrative write)', async () => {
    await withPhone('heidi', '2015550201');
    const page = await browser.newPage();
    await proveByText(page, 'Reset Password', 'heidi', '+12015550201');
    await page.getByLabel('New Password', { exact: true }).fill('Harbor#Reset2026');
    await page.getByLabel('Confirm New Password').fill('Harbor#Reset2026');
    await page.getByRole('button', { name: 'Reset Password' }).click();
    await page.getByText('Your password was reset').waitFor();
    assert.equal(await bind('heidi', 'Harbor#Reset2026'), 'ok');
    await page.close();
  });

  it('unlocks a directory account locked by the ppolicy overlay', async () => {
    assert.equal(await bind('dave', seedPassword('dave')), 'locked');
    await withPhone('dave', '2015550202');
    const page = await browser.newPage();
    await proveByText(page, 'Unlock Account', 'dave', '+12015550202');
    await page.getByRole('button', { name: 'Unlock Account' }).click();
    await page.getByText('it is unlocked now').waitFor();
    assert.equal(await bind('dave', seedPassword('dave')), 'ok');
    await page.close();
  });
});
