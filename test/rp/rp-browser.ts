import type { Page } from 'playwright-core';

/** A user of the relying-party tests, in admit's local directory of site DEMO. */
export const RP_USER = { username: 'rita', password: 'Rita#Apps2026', name: 'Rita Relying', email: 'rita@example.com', groups: ['staff'] };

/** Fills admit's real Sign in page (the seed's labels) and submits it. */
export async function signInAtAdmit(page: Page, user: { username: string; password: string } = RP_USER, site = 'DEMO'): Promise<void> {
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('User Name').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByLabel('Log on to').selectOption(site);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Confirms admit's "Sign out" page (oidc-provider's logout form, admit's layout). */
export async function confirmSignOutAtAdmit(page: Page): Promise<void> {
  await page.getByRole('heading', { name: 'Sign out' }).waitFor();
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
}

/** Every URL the page requests from `origin`, from now on. */
export function requestsTo(page: Page, origin: string): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    if (request.url().startsWith(origin)) seen.push(request.url());
  });
  return seen;
}
