import assert from 'node:assert/strict';
import { join } from 'node:path';
import pino from 'pino';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type AccessRequests, pendingKey } from '../../src/services/approvals/access-requests.ts';
import { createAuditLog } from '../../src/services/audit/audit-log.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { launchChromium, screenshot } from '../support/chromium.ts';
import { consoleSignInPage, makeAdmin, type TestAdmin } from './console-support.ts';

const sites = ['NORTH', 'SOUTH'].map((id) => ({ id, displayName: `${id} site`, directory: { kind: 'local' }, signUp: { mode: 'approval' } }));
const submit = (requests: AccessRequests, siteId: string, n: number) =>
  requests.submit({
    siteId,
    accountId: `account-${siteId}-${n}`,
    username: `person${n}`,
    name: `Person ${siteId} ${n}`,
    email: `p${n}@${siteId.toLowerCase()}.test`,
    organisation: 'Acme Metering Ltd',
    reason: 'I read the meter data of our three plants every week',
  });

/** The whole page, and what the window shows first (a full 50-row page is very tall), under test-results/screenshots. */
async function shoot(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  await page.screenshot({ path: join(process.cwd(), 'test-results', 'screenshots', `${name}-window.png`) });
  const rows = page.locator('tbody tr');
  if (await rows.count())
    await rows.nth(Math.min(3, (await rows.count()) - 1)).screenshot({ path: join(process.cwd(), 'test-results', 'screenshots', `${name}-row.png`) });
}

/** Nothing wider than the window: at 390 px a person never scrolls sideways. */
async function fitsWidth(page: Page, width: number): Promise<void> {
  const scrollWidth = Number(await page.evaluate('document.scrollingElement.scrollWidth'));
  assert.ok(scrollWidth <= width, `the page is ${scrollWidth} px wide in a ${width} px window`);
}

describe('the console approval queue, invitations and audit log in Chromium, by the labels a person reads', () => {
  let running: RunningAdmit;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let admin: TestAdmin;

  beforeAll(async () => {
    running = await startAdmit({ config: { sites, audit: { retentionDays: 90 } } });
    const { requests, invitations } = running.admit.approval;
    for (let n = 0; n < 60; n += 1) await submit(requests, n % 4 ? 'NORTH' : 'SOUTH', n);
    // Three sent ten days ago: past the two-business-days promise.
    const oldest = (await requests.list(['NORTH'], { limit: 3 })).items;
    await running.admit.store.writeAll(
      oldest.map((request, i) => ({ op: 'indexAdd' as const, key: pendingKey('NORTH'), member: request.id, score: Date.now() - 10 * 86_400_000 + i })),
    );
    const people = Array.from({ length: 70 }, (_, i) => ({
      siteId: i % 2 ? 'NORTH' : 'SOUTH',
      email: `guest${String(i).padStart(2, '0')}@partner-company.example`,
      name: `Guest ${i}`,
      role: 'user' as const,
      groups: ['partners', 'billing'],
    }));
    assert.equal((await invitations.inviteMany(people, { id: 'seed', label: 'Seed' })).status, 'ok');
    const audit = createAuditLog({ logger: pino({ level: 'silent' }), store: running.admit.store, retentionDays: 90 });
    for (let i = 0; i < 150; i += 1) {
      await audit.record(undefined, {
        action: 'test.seed',
        outcome: i % 2 ? 'ok' : 'invalid',
        site: i % 3 ? 'NORTH' : 'SOUTH',
        username: `user${i}`,
        detail: { attempt: i, note: 'a longer detail value that has to wrap somewhere' },
      });
    }
    admin = await makeAdmin(running, { site: 'NORTH', username: 'nora', adminSites: ['NORTH', 'SOUTH'] });
    chromium = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await chromium?.close();
    await running?.stop();
  });

  for (const size of [
    { width: 1280, height: 900 },
    { width: 390, height: 844 },
  ]) {
    it(`at ${size.width} px: the approval queue's counts, Next / First page, a decision that leaves the queue`, async () => {
      const context = await chromium.browser.newContext({ viewport: size });
      const page = await context.newPage();
      await consoleSignInPage(running, page, admin, '/admin/approvals');
      await page.getByRole('navigation', { name: 'Admin console' }).getByRole('link', { name: 'Approval queue' }).click();
      await page.getByRole('heading', { name: 'Approval queue' }).waitFor();
      const waiting = Number(/(\d+) waiting/.exec((await page.getByText(/\d+ waiting/).textContent()) ?? '')![1]);
      assert.ok(waiting === 60 || waiting === 59, `${waiting} waiting`); // the other width's test decided one
      await page.getByText('3 overdue').waitFor();
      const rows = page.locator('tbody tr');
      assert.equal(await rows.count(), 50);
      assert.equal(await page.locator('tbody tr.overdue').count(), 3, 'the overdue ones are on top');
      await shoot(page, `admin-approvals-${size.width}`);
      await fitsWidth(page, size.width);

      await page.getByRole('link', { name: 'Next 50 requests' }).click();
      await page.getByRole('link', { name: 'First page' }).waitFor();
      assert.equal(await rows.count(), waiting - 50);
      await fitsWidth(page, size.width);
      await page.getByRole('link', { name: 'First page' }).click();
      assert.equal(await rows.count(), 50);

      // Deny the first waiting request (not an overdue one, so the other width still sees three).
      const row = page.locator('tbody tr:not(.overdue)').first();
      const name = (await row.locator('strong').textContent())!;
      await row.getByLabel('Reason for denial').fill('No contract with this organisation');
      await row.getByRole('button', { name: `Deny ${name}`, exact: true }).click();
      await page.getByRole('status').filter({ hasText: 'The request was denied' }).waitFor();
      await page.getByText(`${waiting - 1} waiting`).waitFor();
      assert.equal(await page.getByRole('button', { name: `Deny ${name}`, exact: true }).count(), 0, 'it left the queue');
      await page.getByRole('link', { name: 'Show decided requests' }).click();
      await page.getByRole('row').filter({ hasText: name }).getByText('Denied').waitFor();
      await shoot(page, `admin-approvals-decided-${size.width}`);
      await fitsWidth(page, size.width);
      await context.close();
    });

    it(`at ${size.width} px: invitations newest first with their status, 50 a page, Next / First page`, async () => {
      const context = await chromium.browser.newContext({ viewport: size });
      const page = await context.newPage();
      await consoleSignInPage(running, page, admin, '/admin/invitations');
      await page.getByRole('heading', { name: 'Sent invitations' }).waitFor();
      await page.getByText('70 invitations, newest first, 50 a page.').waitFor();
      const rows = page.locator('tbody tr');
      assert.equal(await rows.count(), 50);
      assert.equal(
        await rows
          .first()
          .getByRole('cell')
          .first()
          .textContent()
          .then((text) => text?.includes('guest00@')),
        true,
        'the import in its file order',
      );
      assert.equal(await rows.locator('.badge').count(), 50, 'each row shows its status');
      await page.getByRole('button', { name: 'Revoke for guest00@partner-company.example' }).waitFor();
      await shoot(page, `admin-invitations-${size.width}`);
      await fitsWidth(page, size.width);
      await page.getByRole('link', { name: 'Next 50 invitations' }).click();
      await page.getByRole('link', { name: 'First page' }).waitFor();
      assert.equal(await rows.count(), 20);
      await page.getByText('guest69@partner-company.example').waitFor();
      await shoot(page, `admin-invitations-next-${size.width}`);
      await fitsWidth(page, size.width);
      await page.getByRole('link', { name: 'First page' }).click();
      await page.getByText('guest00@partner-company.example').waitFor();
      assert.equal(await rows.count(), 50);
      await context.close();
    });

    it(`at ${size.width} px: the audit log's filters, Older / Newest events, and the CSV and JSON Lines exports`, async () => {
      const context = await chromium.browser.newContext({ viewport: size });
      const page = await context.newPage();
      await consoleSignInPage(running, page, admin, '/admin/audit');
      await page.getByRole('heading', { name: 'Audit log' }).waitFor();
      await page.getByLabel('Action').fill('test.seed');
      await page.getByLabel('Outcome').fill('invalid');
      await page.getByLabel('Site').selectOption('SOUTH');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.getByRole('link', { name: 'Export CSV' }).waitFor();
      const rows = page.locator('tbody tr');
      // 150 events: i even is invalid, i % 3 == 0 is SOUTH: 25 of them.
      assert.equal(await rows.count(), 25);
      assert.equal(await rows.filter({ hasText: 'NORTH' }).count(), 0);
      await shoot(page, `admin-audit-filtered-${size.width}`);
      await fitsWidth(page, size.width);

      const csv = await page.request.get(new URL((await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href'))!, running.issuer).href);
      assert.equal(csv.status(), 200);
      assert.match(csv.headers()['content-type']!, /text\/csv/);
      assert.equal((await csv.text()).trim().split('\n').length, 26, 'a header and the 25 rows');
      const jsonl = await page.request.get(new URL((await page.getByRole('link', { name: 'Export JSON Lines' }).getAttribute('href'))!, running.issuer).href);
      assert.equal(jsonl.status(), 200);
      const lines = (await jsonl.text())
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { site: string; outcome: string });
      assert.equal(lines.length, 25);
      assert.ok(lines.every((event) => event.site === 'SOUTH' && event.outcome === 'invalid'));

      await page.getByLabel('Outcome').fill('');
      await page.getByLabel('Site').selectOption({ label: 'All my sites' });
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.getByRole('link', { name: 'Older events' }).click();
      await page.getByRole('link', { name: 'Newest events' }).waitFor();
      assert.equal(await rows.count(), 50, '150 events, 100 a page');
      await shoot(page, `admin-audit-older-${size.width}`);
      await fitsWidth(page, size.width);
      await page.getByRole('link', { name: 'Newest events' }).click();
      await page.getByRole('link', { name: 'Older events' }).waitFor();
      assert.equal(await rows.count(), 100);
      await context.close();
    });
  }
});
