import assert from 'node:assert/strict';
import pino from 'pino';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createAuditLog } from '../../src/services/audit/audit-log.ts';
import { freshTotp, makeAdmin } from '../admin/console-support.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { atBothWidths, launchChromium } from '../support/chromium.ts';
import { ENTRA_DIRECTORY, scimClient, TENANT } from './scim-client.ts';

const sites = [
  { id: 'LOCAL', displayName: 'Vendor staff', directory: { kind: 'local' } },
  { id: 'PARTNERS', displayName: 'Partner Center', directory: ENTRA_DIRECTORY, scim: { tenantId: TENANT } },
  { id: 'OTHER', displayName: 'Other partner', directory: ENTRA_DIRECTORY },
];

/**
 * The console's Provisioning page in Chromium, as a site admin uses it: the
 * tenant URL and a secret token shown once, rotated (the old one stops
 * working) and revoked; only the admin's own sites; forms CSRF-checked;
 * every change audited.
 */
describe("the console's Provisioning page (SCIM tokens) in Chromium", () => {
  let running: RunningAdmit;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;

  beforeAll(async () => {
    running = await startAdmit({ config: { sites } });
    const gina = await makeAdmin(running, { site: 'LOCAL', username: 'gina', adminSites: ['LOCAL', 'PARTNERS'] });
    chromium = await launchChromium();
    page = await (await chromium.browser.newContext()).newPage();
    // The console's sign-in, as console-support's consoleSignInPage does it, with "Sign in" exact (the page also offers "Sign in with Microsoft").
    await page.goto(`${running.issuer}/admin/provisioning`);
    await page.getByLabel('User Name').fill(gina.username);
    await page.getByLabel('Password').fill(gina.password);
    await page.getByLabel('Log on to').selectOption(gina.site);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('button', { name: 'Passcode' }).click();
    await page.locator('#code').fill(await freshTotp(gina.totpSecret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('navigation', { name: 'Admin console' }).waitFor();
  });
  afterAll(async () => {
    await chromium?.close();
    await running?.stop();
  });

  const partners = () => page.locator('section[data-site="PARTNERS"]');
  const secret = () => page.getByLabel('Secret token for PARTNERS');
  const works = async (token: string) => (await scimClient(running, 'PARTNERS', token)('GET', '/ServiceProviderConfig')).status;

  it('shows each site the admin administers with its tenant URL, and no other site', async () => {
    await page.getByRole('navigation', { name: 'Admin console' }).getByRole('link', { name: 'Provisioning' }).click();
    await page.getByRole('heading', { name: 'Provisioning', level: 1 }).waitFor();
    assert.equal(await page.getByRole('heading', { name: 'Partner Center (PARTNERS)' }).count(), 1);
    assert.equal(await page.getByRole('heading', { name: 'Vendor staff (LOCAL)' }).count(), 1);
    assert.equal(await page.getByRole('heading', { name: /OTHER/ }).count(), 0);
    assert.match((await partners().textContent()) ?? '', new RegExp(`Tenant URL\\s*${running.issuer}/scim/v2/PARTNERS[\\s\\S]*Secret token\\s*None yet`));
    await atBothWidths(page, 'scim-provisioning-none');
  });

  let first: string;
  it('Create token shows the token once; it works at its own site only; a reload does not show it again', async () => {
    await page.getByRole('button', { name: 'Create token for PARTNERS' }).click();
    await secret().waitFor();
    first = await secret().inputValue();
    assert.match(first, /^admit_scim_[A-Za-z0-9_-]{43}$/);
    assert.match((await page.getByRole('status').textContent()) ?? '', /shown once/);
    await atBothWidths(page, 'scim-provisioning-token');
    assert.equal(await works(first), 200);
    assert.equal((await scimClient(running, 'LOCAL', first)('GET', '/ServiceProviderConfig')).status, 401);
    await page.goto(`${running.issuer}/admin/provisioning`);
    assert.equal(await secret().count(), 0);
    assert.match((await partners().textContent()) ?? '', /Made \d{4}-\d\d-\d\d \d\d:\d\d UTC by gina@LOCAL, starts admit_scim_/);
    assert.equal(await page.getByText(first).count(), 0, 'the page never shows the token again');
  });

  it('Rotate token replaces it: the old token is refused at once, the new one works; Revoke leaves none', async () => {
    await page.getByRole('button', { name: 'Rotate token for PARTNERS' }).click();
    await secret().waitFor();
    const second = await secret().inputValue();
    assert.notEqual(second, first);
    assert.match((await page.getByRole('status').textContent()) ?? '', /previous token no longer works/);
    assert.equal(await works(first), 401);
    assert.equal(await works(second), 200);
    await page.getByRole('button', { name: 'Revoke token for PARTNERS' }).click();
    await page.getByRole('status').filter({ hasText: 'revoked' }).waitFor();
    assert.equal(await works(second), 401);
    assert.match((await partners().textContent()) ?? '', /None yet/);
  });

  it("refuses another site's token (404), a form without its CSRF token (403), and audits every change", async () => {
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const other = await page.request.post(`${running.issuer}/admin/provisioning/OTHER/token`, { form: { _csrf: csrf }, maxRedirects: 0 });
    assert.equal(other.status(), 404);
    const forged = await page.request.post(`${running.issuer}/admin/provisioning/PARTNERS/token`, { form: {}, maxRedirects: 0 });
    assert.equal(forged.status(), 403);
    await page.goto(`${running.issuer}/admin/provisioning`);
    assert.match((await partners().textContent()) ?? '', /None yet/, 'neither post made a token');
    const audit = createAuditLog({ logger: pino({ level: 'silent' }), store: running.admit.store });
    const today = new Date().toISOString().slice(0, 10);
    const actions: string[] = [];
    for await (const event of audit.events({ scope: { allSites: true }, action: 'admin.scim', from: today, to: today, oldestFirst: true })) {
      assert.equal(event.actor, 'gina@LOCAL');
      assert.equal(event.site, 'PARTNERS');
      actions.push(event.action);
    }
    assert.deepEqual(actions, ['admin.scim.token_create', 'admin.scim.token_rotate', 'admin.scim.token_revoke']);
  });
});
