import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createAccountService } from '../../src/services/accounts.ts';
import type { AccessRequests } from '../../src/services/approvals/access-requests.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { launchChromium, screenshot } from '../support/chromium.ts';
import { consoleSignInPage, makeAdmin, type TestAdmin } from './console-support.ts';

const sites = [{ id: 'NORTH', displayName: 'North site', directory: { kind: 'local' }, signUp: { mode: 'approval' } }];
const submit = (requests: AccessRequests, n: number) =>
  requests.submit({
    siteId: 'NORTH',
    accountId: `account-${n}`,
    username: `person${n}`,
    name: `Person ${n}`,
    email: `p${n}@north.test`,
    organisation: 'Acme Metering Ltd',
    reason: 'I read the meter data of our three plants every week',
  });

/** Nothing wider than the window: at 390 px a person never scrolls sideways. */
async function fitsWidth(page: Page, width: number): Promise<void> {
  const scrollWidth = Number(await page.evaluate('document.scrollingElement.scrollWidth'));
  assert.ok(scrollWidth <= width, `the page is ${scrollWidth} px wide in a ${width} px window`);
}

describe('bulk decisions and sorting in Chromium, by the labels a person reads', () => {
  let running: RunningAdmit;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let admin: TestAdmin;

  beforeAll(async () => {
    running = await startAdmit({ config: { sites } });
    const { requests } = running.admit.approval;
    for (let n = 1; n <= 8; n += 1) await submit(requests, n);
    admin = await makeAdmin(running, { site: 'NORTH', username: 'nora', adminSites: ['NORTH'], email: 'mm-nora@admins.test' });
    const accounts = createAccountService({ store: running.admit.store });
    // User names up, emails the other way round: the two orders disagree.
    for (const [username, email] of [
      ['alma', 'zed@north.test'],
      ['bert', 'yves@north.test'],
      ['cora', 'xena@north.test'],
      ['dirk', 'alpha@north.test'],
    ] as const) {
      await accounts.linkOrCreate('NORTH', 'local', {
        externalId: username,
        username,
        email,
        name: `${username[0]!.toUpperCase()}${username.slice(1)} North`,
        groups: [],
      });
    }
    chromium = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await chromium?.close();
    await running?.stop();
  });

  for (const [size, people] of [
    [{ width: 1280, height: 900 }, [1, 2]],
    [{ width: 390, height: 844 }, [3, 4]],
  ] as const) {
    it(`at ${size.width} px: select two requests, deny them with one reason, see the notice and the queue without them; Select all on this page`, async () => {
      const page = await (await chromium.browser.newContext({ viewport: size })).newPage();
      await consoleSignInPage(running, page, admin, '/admin/approvals');
      await page.getByRole('heading', { name: 'Approval queue' }).waitFor();
      const waiting = await page.getByRole('checkbox').count();
      for (const n of people) await page.getByLabel(`Select Person ${n} (person${n})`).check();
      await page.getByLabel('Reason', { exact: true }).fill('No contract with Acme this year');
      await screenshot(page, `admin-bulk-selected-${size.width}`);
      await fitsWidth(page, size.width);
      await page.getByRole('button', { name: 'Deny selected' }).click();
      await page.getByRole('status').filter({ hasText: '2 denied. Each person is told by email.' }).waitFor();
      for (const n of people) assert.equal(await page.getByLabel(`Select Person ${n} (person${n})`).count(), 0, `Person ${n} left the queue`);
      assert.equal(await page.getByRole('checkbox').count(), waiting - 2);
      await screenshot(page, `admin-bulk-denied-${size.width}`);
      await fitsWidth(page, size.width);

      // A deny without a reason is refused, and nothing changes.
      await page.getByRole('checkbox').first().check();
      await page.getByRole('button', { name: 'Deny selected' }).click();
      await page.getByRole('alert').filter({ hasText: 'Give a reason to deny the selected requests.' }).waitFor();
      assert.equal(await page.locator('input[type=checkbox]:checked').count(), 1, 'the box stays checked');
      await screenshot(page, `admin-bulk-refused-${size.width}`);
      assert.equal(await page.getByRole('checkbox').count(), waiting - 2);

      // Select all on this page, without script: the page again with every box checked.
      await page.getByRole('link', { name: 'Select all on this page' }).click();
      await page.getByRole('link', { name: 'Clear selection' }).waitFor();
      const boxes = page.getByRole('checkbox');
      for (let index = 0; index < (await boxes.count()); index += 1) assert.ok(await boxes.nth(index).isChecked());
      await page.getByRole('link', { name: 'Clear selection' }).click();
      await page.getByRole('link', { name: 'Select all on this page' }).waitFor();
      assert.equal(await page.locator('input[type=checkbox]:checked').count(), 0);

      // Newest first, then back to oldest first.
      const firstOldest = await page.locator('tbody tr').first().getAttribute('data-request');
      await page.getByRole('link', { name: 'Newest first' }).click();
      await page.locator('th[aria-sort="descending"]', { hasText: 'Submitted' }).waitFor();
      assert.equal(await page.locator('tbody tr').last().getAttribute('data-request'), firstOldest);
      await screenshot(page, `admin-queue-newest-${size.width}`);
      await page.context().close();
    });

    it(`at ${size.width} px: sort users by email Z to A from the Email column and see the order`, async () => {
      const page = await (await chromium.browser.newContext({ viewport: size })).newPage();
      await consoleSignInPage(running, page, admin, '/admin/users');
      await page.getByRole('navigation', { name: 'Admin console' }).getByRole('link', { name: 'Users' }).click();
      await page.getByRole('heading', { name: 'Users' }).waitFor();
      const names = () => page.locator('tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-username')));
      assert.deepEqual(await names(), ['alma', 'bert', 'cora', 'dirk', 'nora']);
      assert.equal(await page.locator('th[aria-sort="ascending"]').textContent(), 'User Name ↑');
      await page.getByRole('link', { name: 'User Name, sort Z to A' }).waitFor();
      await page
        .getByRole('columnheader', { name: /^Email/ })
        .getByRole('link')
        .click();
      await page.locator('th[aria-sort="ascending"]', { hasText: 'Email' }).waitFor();
      assert.deepEqual(await names(), ['dirk', 'nora', 'cora', 'bert', 'alma']);
      await page.getByRole('link', { name: 'Email, sort Z to A' }).click();
      await page.locator('th[aria-sort="descending"]', { hasText: 'Email' }).waitFor();
      await page.getByText('Accounts in email order (Z to A), 5 on this page.').waitFor();
      assert.deepEqual(await names(), ['alma', 'bert', 'cora', 'nora', 'dirk']);
      // A filter is kept by the column links.
      await page.getByLabel('Status').selectOption({ label: 'Active' });
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('columnheader', { name: /^Name/ }).getByRole('link').click();
      await page.locator('th[aria-sort="ascending"]', { hasText: 'Name' }).waitFor();
      assert.match(page.url(), /status=active/);
      assert.match(page.url(), /sort=name/);
      await page.goto(`${running.issuer}/admin/users?sort=email&dir=desc`);
      await screenshot(page, `admin-users-email-desc-${size.width}`);
      await fitsWidth(page, size.width);
      await page.context().close();
    });
  }
});
