import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { launchChromium, screenshot } from '../support/chromium.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { consoleSignInPage, makeAdmin } from './console-support.ts';

const sites = [{ id: 'PARTNERS', displayName: 'Partner Center', directory: { kind: 'local' }, signUp: { mode: 'invitation' } }];

describe('the console Outbox page in Chromium: delivery state, last error, resend, paging', () => {
  let running: RunningAdmit;
  let smtp: TestSmtpServer;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  const rejects = new Set(['bounce@example.com']);

  beforeAll(async () => {
    smtp = await startSmtpServer({ rejects });
    // One attempt: a refused recipient is "failed" at once (retries are test/outbox's).
    running = await startAdmit({ config: { sites, mail: { transport: smtp.url }, outbox: { maxAttempts: 1, pollMs: 100 } } });
    const gina = await makeAdmin(running, { site: 'PARTNERS', username: 'gina', adminSites: ['*'], email: 'gina@vendor.test' });
    chromium = await launchChromium();
    page = await (await chromium.browser.newContext()).newPage();
    await consoleSignInPage(running, page, gina);
  });
  afterAll(async () => {
    await chromium?.close();
    await running?.stop();
    await smtp?.stop();
  });

  const row = (to: string) => page.locator(`tr[data-to="${to}"]`).first();

  it("lists a delivered and a refused invitation email with state, attempts and the server's error; Resend sends a new copy", async () => {
    const { invitations } = running.admit.approval;
    for (const email of ['ok@example.com', 'bounce@example.com']) {
      assert.equal((await invitations.invite({ siteId: 'PARTNERS', email, role: 'user', groups: [] }, { id: 'gina', label: 'Gina' })).status, 'ok');
    }
    await running.admit.outboxWorker.drain();
    await page.getByRole('navigation', { name: 'Admin console' }).getByRole('link', { name: 'Outbox' }).click();
    await page.getByRole('heading', { name: 'Outbox' }).waitFor();
    assert.equal(await row('ok@example.com').locator('.badge').textContent(), 'Sent');
    assert.equal(await row('bounce@example.com').locator('.badge').textContent(), 'Failed');
    assert.match((await row('bounce@example.com').textContent()) ?? '', /invitation[\s\S]*PARTNERS[\s\S]*Failed[\s\S]*1[\s\S]*550/);
    await screenshot(page, 'outbox-failed');

    rejects.delete('bounce@example.com');
    await page.getByRole('button', { name: 'Resend invitation to bounce@example.com' }).click();
    await page.getByRole('status').filter({ hasText: 'queued again' }).waitFor();
    const mail = await smtp.waitFor((m) => m.to.includes('bounce@example.com'));
    assert.match(mail.text, /\/invite\?token=/, 'the same invitation email, link included');
    await running.admit.outboxWorker.drain();
    await page.reload();
    // Newest first: the copy on top says Sent, the original below still says Failed.
    const rows = page.locator('tr[data-to="bounce@example.com"] .badge');
    assert.deepEqual(await rows.allTextContents(), ['Sent', 'Failed']);
  });

  it('pages 50 at a time, newest first: "Older messages" reaches the first email', async () => {
    await running.admit.outbox.enqueue(
      Array.from({ length: 55 }, (_, i) => ({
        channel: 'email' as const,
        to: `bulk${i}@example.com`,
        kind: 'password-changed',
        siteId: 'PARTNERS',
        payload: { to: `bulk${i}@example.com`, template: 'password-changed', data: { name: 'B', username: 'b', site: 'PARTNERS', when: 'now' } },
      })),
    );
    await running.admit.outboxWorker.drain();
    await page.goto(`${running.issuer}/admin/outbox`);
    assert.equal(await page.locator('tbody tr').count(), 50);
    assert.equal(await row('bulk54@example.com').count(), 1, 'the newest is on the first page');
    assert.equal(await row('ok@example.com').count(), 0);
    await page.getByRole('link', { name: 'Older messages' }).click();
    await row('ok@example.com').waitFor();
    assert.equal(await page.locator('tbody tr').count(), 8, '58 messages: 50, then 8');
    assert.equal(await page.getByRole('link', { name: 'Older messages' }).count(), 0);
  });
});
