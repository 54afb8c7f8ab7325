import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { rpClient } from '../registration/support.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { launchChromium, screenshot } from '../support/chromium.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { consoleSignInPage, makeAdmin, type TestAdmin } from './console-support.ts';
import { dashboardSites, REJECTED, type Seeded, seedDashboard } from './dashboard-support.ts';

/** Wider than the window by this many px (a string: tsc here has no DOM types). */
const OVERFLOW = 'document.documentElement.scrollWidth - window.innerWidth';

describe('the console dashboard and user page in Chromium, by their labels, at 1280 and 390 px', () => {
  let running: RunningAdmit;
  let smtp: TestSmtpServer;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let nora: TestAdmin;
  let seeded: Seeded;

  beforeAll(async () => {
    smtp = await startSmtpServer({ rejects: new Set([REJECTED]) });
    running = await startAdmit({
      config: { sites: dashboardSites, clients: [rpClient], mail: { transport: smtp.url }, outbox: { maxAttempts: 1, pollMs: 100 } },
    });
    nora = await makeAdmin(running, { site: 'HQ', username: 'nora', adminSites: ['NORTH', 'SOUTH'] });
    seeded = await seedDashboard(running);
    chromium = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await chromium?.close();
    await running?.stop();
    await smtp?.stop();
  });

  for (const size of [
    { width: 1280, height: 900 },
    { width: 390, height: 844 },
  ]) {
    it(`at ${size.width} px: the figures, the chart and its table, the by-site table, then a user's page`, async () => {
      const page = await (await chromium.browser.newContext({ viewport: size })).newPage();
      await consoleSignInPage(running, page, nora, '/admin');
      const nav = page.getByRole('navigation', { name: 'Admin console' });
      assert.equal(await nav.getByRole('link', { name: 'Dashboard' }).getAttribute('aria-current'), 'page');
      await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();

      const card = (name: string) => page.getByRole('region', { name });
      assert.equal(await card('Pending requests').locator('.dash-figure').textContent(), '3');
      assert.equal(await card('Pending requests').getByText('1 overdue').count(), 1);
      assert.equal(await card('Locked accounts').getByRole('link', { name: 'lara' }).count(), 1);
      assert.equal(await card('Two-step verification').locator('.dash-figure').textContent(), '1');
      assert.equal(await card('Delivery failures').locator('.dash-figure').textContent(), '1');
      assert.match((await card('Delivery failures').textContent()) ?? '', new RegExp(`request-received to ${REJECTED}`));

      // The chart is one image with a name and a description; the figures are in the table beside it.
      const chart = page.getByRole('img', { name: /Sign-ins and failures per day/ });
      assert.equal(await chart.count(), 1);
      const box = await chart.boundingBox();
      assert.ok(box && box.width <= size.width && box.height > 100, JSON.stringify(box));
      const table = page.getByRole('table', { name: 'Sign-ins and failures per day' });
      assert.equal(await table.getByRole('row').count(), 15, 'a header and fourteen days');
      assert.deepEqual(await table.getByRole('row').last().getByRole('cell').allTextContents(), ['3', '4'], 'today: 2 + 1 sign-ins, 3 + 1 failures');

      const sites = page.getByRole('region', { name: 'By site' }).getByRole('table');
      assert.deepEqual(await sites.locator('tbody tr').filter({ hasText: 'NORTH' }).locator('td').allTextContents(), ['2', '1', '1', '1', '2', '3']);
      assert.deepEqual(await sites.locator('tbody tr').filter({ hasText: 'SOUTH' }).locator('td').allTextContents(), ['1', '0', '0', '0', '1', '1']);
      assert.ok(((await page.evaluate(OVERFLOW)) as number) <= 1, 'the dashboard fits the window');
      await screenshot(page, `admin-dashboard-${size.width}`);
      if (size.width === 1280) {
        mkdirSync(join(process.cwd(), 'docs', 'screenshots'), { recursive: true });
        await page.screenshot({ path: join(process.cwd(), 'docs', 'screenshots', 'dashboard.png'), fullPage: true });
      }

      // A locked name leads to its account's page: devices, sessions, timeline, actions.
      await card('Locked accounts').getByRole('link', { name: 'lara' }).click();
      await page.getByRole('heading', { name: 'lara', level: 1 }).waitFor();
      // Rows by their text: at 390 px the tables are stacked blocks (CSS), which Chromium no longer exposes as rows.
      const timeline = page.getByRole('table', { name: 'Audit timeline' });
      assert.equal(
        await timeline
          .locator('tbody tr')
          .filter({ hasText: /sign_in\s*invalid/ })
          .count(),
        3,
      );
      assert.equal(await page.getByRole('button', { name: 'Unlock' }).count(), 1);

      await page.goto(`${running.issuer}/admin/users/${seeded.uma.id}`);
      await page.getByRole('heading', { name: 'uma', level: 1 }).waitFor();
      const devices = page.getByRole('table', { name: 'Two-step devices' });
      assert.equal(await devices.locator('tbody tr').filter({ hasText: 'Uma tablet (default)' }).count(), 1);
      assert.equal(await devices.locator('tbody tr').filter({ hasText: 'Uma spare' }).count(), 1);
      assert.ok(
        (await page
          .getByRole('table', { name: 'Sessions' })
          .locator('tbody tr')
          .filter({ hasText: /Password\s*rp/ })
          .count()) >= 1,
      );
      assert.ok((await page.getByRole('table', { name: 'Audit timeline' }).locator('tbody tr').filter({ hasText: 'mfa_device_added' }).count()) === 2);
      for (const name of ['Disable', 'Unlock', 'Reset MFA', 'Revoke trusted browsers', 'Sign out everywhere'])
        assert.equal(await page.getByRole('button', { name }).count(), 1, name);
      assert.ok(((await page.evaluate(OVERFLOW)) as number) <= 1, 'the user page fits the window');
      await screenshot(page, `admin-user-page-${size.width}`);
      await page.context().close();
    });
  }
});
