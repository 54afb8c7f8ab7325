import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { createTotp, totpCode } from '../../plugins/mfa-totp/totp.ts';
import { createSecretBox } from '../../src/lib/secret-box.ts';
import { type Account, createAccountService } from '../../src/services/accounts.ts';
import { createDeviceStore, newDeviceId } from '../../src/services/mfa/devices.ts';
import type { Store } from '../../src/store/port.ts';
import { type RunningAdmit, TEST_SECRET } from '../support/admit-server.ts';
import { type FormBrowser, formAction, inputValue } from '../support/form-browser.ts';

export interface TestAdmin {
  account: Account;
  username: string;
  password: string;
  site: string;
  /** The authenticator app's secret: totpCode(secret) answers the console's two-step verification. */
  totpSecret: string;
}

/** An authenticator-app device for the account, as if enrolled: the console's sign-in asks for its code. */
export async function enrollTotp(store: Store, accountId: string): Promise<string> {
  const secret = createTotp().newSecret();
  const devices = createDeviceStore({ store });
  const id = newDeviceId();
  await devices.save(accountId, {
    id,
    type: 'tablet',
    name: 'Test tablet',
    totp: { sealedSecret: createSecretBox(TEST_SECRET, 'mfa-totp').seal(secret) },
    createdAt: new Date().toISOString(),
  });
  await devices.saveSettings(accountId, { whenILogIn: 'ask', defaultDeviceId: id });
  return secret;
}

/**
 * A local-directory user with an account that administers `adminSites` ('*'
 * for every site), MFA enrolled, who has signed in before (the first sign-in
 * is recorded state: without it the console's sign-in would ask for Change
 * Password first, as a new person's does).
 */
export async function makeAdmin(
  running: RunningAdmit,
  input: { site: string; username: string; adminSites: string[]; email?: string; password?: string },
): Promise<TestAdmin> {
  const { store } = running.admit;
  const password = input.password ?? 'Admin#Pass2026';
  const user = await createLocalDirectory({ store, siteId: input.site }).addUser({
    username: input.username,
    password,
    email: input.email ?? `${input.username}@admins.test`,
    name: `${input.username} Admin`,
  });
  const accounts = createAccountService({ store });
  const created = await accounts.linkOrCreate(input.site, 'local', {
    externalId: user.id,
    username: user.username,
    name: user.name,
    email: user.email,
    groups: [],
  });
  const account = { ...created, adminSites: input.adminSites, firstSignInAt: new Date().toISOString() };
  await accounts.save(account);
  return { account, username: input.username, password, site: input.site, totpSecret: await enrollTotp(store, account.id) };
}

/** A code the authenticator shows, waiting for the next time step when the current one was just used. */
const lastCodes = new Map<string, string>();
export async function freshTotp(secret: string): Promise<string> {
  for (;;) {
    const code = totpCode(secret);
    if (code !== lastCodes.get(secret)) {
      lastCodes.set(secret, code);
      return code;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/**
 * Signs in to the admin console through admit's own sign-in, in a FormBrowser:
 * user name and password, then the authenticator code (the console asks for MFA).
 * Returns the page the browser lands on.
 */
export async function consoleSignIn(
  running: RunningAdmit,
  browser: FormBrowser,
  admin: Pick<TestAdmin, 'username' | 'password' | 'site' | 'totpSecret'>,
  path = '/admin/approvals',
) {
  let { response, url } = await browser.follow(`${running.issuer}${path}`);
  let html = await response.text();
  assert.match(html, /<h1>Sign in<\/h1>/, `expected the sign-in page at ${url.href}`);
  ({ response, url } = await browser.follow(new URL(formAction(html, '/login'), url), undefined, {
    form: { _csrf: inputValue(html, '_csrf'), username: admin.username, password: admin.password, site: admin.site },
  }));
  html = await response.text();
  if (url.pathname.includes('/mfa')) {
    const method = /name="method" value="(totp:[^"]+)"/.exec(html)?.[1];
    assert.ok(method, `the MFA page offers the authenticator: ${html.slice(0, 400)}`);
    ({ response, url } = await browser.follow(new URL(formAction(html, '/mfa/choose'), url), undefined, {
      form: { _csrf: inputValue(html, '_csrf'), method },
    }));
    html = await response.text();
    ({ response, url } = await browser.follow(new URL(formAction(html, '/mfa/code'), url), undefined, {
      form: { _csrf: inputValue(html, '_csrf'), action: 'verify', code: await freshTotp(admin.totpSecret) },
    }));
    html = await response.text();
  }
  return { response, url, html };
}

/** The same in Chromium, as a person does it. */
export async function consoleSignInPage(running: RunningAdmit, page: Page, admin: TestAdmin, path = '/admin/approvals'): Promise<void> {
  await page.goto(`${running.issuer}${path}`);
  await page.getByLabel('User Name').fill(admin.username);
  await page.getByLabel('Password').fill(admin.password);
  await page.getByLabel('Log on to').selectOption(admin.site);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Passcode' }).click();
  await page.locator('#code').fill(await freshTotp(admin.totpSecret));
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByRole('navigation', { name: 'Admin console' }).waitFor();
}

/** Posts a console form found in the page (by its action), with the page's CSRF token. */
export async function postForm(running: RunningAdmit, browser: FormBrowser, html: string, action: string, fields: Record<string, string> = {}) {
  return browser.follow(new URL(formAction(html, action), running.issuer), undefined, { form: { _csrf: inputValue(html, '_csrf'), ...fields } });
}

export async function getPage(running: RunningAdmit, browser: FormBrowser, path: string) {
  const { response, url } = await browser.follow(`${running.issuer}${path}`);
  return { status: response.status, url, html: await response.text() };
}
