import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createAccountService } from '../../src/services/accounts.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { launchChromium, screenshot } from '../support/chromium.ts';
import { consoleSignInPage, makeAdmin, type TestAdmin } from './console-support.ts';

const sites = [
  { id: 'EAST', displayName: 'East', directory: { kind: 'local' } },
  { id: 'WEST', displayName: 'West', directory: { kind: 'local' } },
];

describe('the console Users page in Chromium: search, filters and paging by the labels a person reads', () => {
  let running: RunningAdmit;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let admin: TestAdmin;

  beforeAll(async () => {
    running = await startAdmit({ config: { sites } });
    admin = await makeAdmin(running, { site: 'EAST', username: 'eve', adminSites: ['EAST'] });
    const accounts = createAccountService({ store: running.admit.store });
    for (let i = 0; i < 60; i += 1) {
      await accounts.linkOrCreate('EAST', 'local', {
        externalId: `east-${i}`,
        username: `member${String(i).padStart(3, '0')}`,
        email: `m${i}@east.test`,
        name: `East Member ${i}`,
        groups: [],
      });
    }
    const rita = await accounts.linkOrCreate('EAST', 'local', {
      externalId: 'rita',
      username: 'rita',
      email: 'rita@partner.test',
      name: 'Rita Partner',
      groups: [],
    });
    await accounts.setStatus(rita.id, 'disabled');
    await accounts.linkOrCreate('WEST', 'local', { externalId: 'walt', username: 'walt', email: 'walt@partner.test', groups: [] });
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await running?.stop();
  });

  for (const size of [
    { width: 1280, height: 900 },
    { width: 390, height: 844 },
  ]) {
    it(`at ${size.width} px: Next page / Previous page / First page, a search, the status and site filters`, async () => {
      const page = await (await chromium.browser.newContext({ viewport: size })).newPage();
      await consoleSignInPage(running, page, admin, '/admin/users');
      await page.getByRole('navigation', { name: 'Admin console' }).getByRole('link', { name: 'Users' }).click();
      await page.getByRole('heading', { name: 'Users' }).waitFor();
      const rows = page.locator('tbody tr');
      assert.equal(await rows.count(), 50, '50 a page');
      assert.equal(await page.getByRole('link', { name: 'Previous page' }).count(), 0, 'nothing before the first page');
      await screenshot(page, `admin-users-first-${size.width}`);

      await page.getByRole('link', { name: 'Next page' }).click();
      await page.getByRole('link', { name: 'First page' }).waitFor();
      // 60 members, rita and eve: 62, so 12 on the second page.
      assert.equal(await rows.count(), 12);
      assert.equal(await page.getByRole('link', { name: 'Next page' }).count(), 0);
      await page.getByRole('link', { name: 'rita' }).waitFor();
      await page.getByRole('link', { name: 'Previous page' }).click();
      await page.getByRole('link', { name: 'member000' }).waitFor();
      assert.equal(await rows.count(), 50);

      await page.getByLabel('Search').fill('partner.test');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('link', { name: 'rita' }).waitFor();
      assert.equal(await rows.count(), 1, 'walt is of WEST, which eve does not administer');
      await page.getByText('1 account on this page whose user name, email, email domain or name starts with “partner.test”.').waitFor();
      assert.deepEqual(await page.getByLabel('Site').locator('option').allTextContents(), ['All my sites', 'EAST']);
      await screenshot(page, `admin-users-search-${size.width}`);

      await page.getByLabel('Search').fill('');
      await page.getByLabel('Status').selectOption({ label: 'Disabled' });
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByText('Accounts in user name order, 1 on this page.').waitFor();
      assert.equal(await rows.first().getByRole('link').textContent(), 'rita');

      await page.getByLabel('Field').selectOption({ label: 'Email' });
      await page.getByLabel('Search').fill('nobody@');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByText('No accounts match.').waitFor();

      await page.goto(`${running.issuer}/admin/users?after=broken`);
      await page.getByRole('alert').filter({ hasText: 'That page link is not valid any more' }).waitFor();
      await page.getByRole('link', { name: 'First page' }).click();
      assert.equal(await rows.count(), 50);
      // The page fits the window: nothing wider than the viewport but the table, which scrolls in its own box if it must.
      const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
      assert.ok(overflow <= 1, `the page is ${overflow} px wider than the window`);
      await page.context().close();
    });
  }
});
