import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { consoleSignInPage, makeAdmin } from '../admin/console-support.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { atBothWidths, launchChromium } from '../support/chromium.ts';
import { type Receiver, startReceiver } from './receiver.ts';

const sites = [
  { id: 'PARTNERS', displayName: 'Partner Center', directory: { kind: 'local' } },
  { id: 'VENDOR', displayName: 'Vendor', directory: { kind: 'local' } },
];

describe('the console Webhooks page in Chromium: add, the secret once, deliveries, disable, rotate, delete', () => {
  let running: RunningAdmit;
  let receiver: Receiver;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;

  beforeAll(async () => {
    receiver = await startReceiver();
    running = await startAdmit({ config: { sites, outbox: { retryBaseSeconds: 0.2, retryMaxSeconds: 1, pollMs: 100 } } });
    const gina = await makeAdmin(running, { site: 'VENDOR', username: 'gina', adminSites: ['PARTNERS'] });
    chromium = await launchChromium();
    page = await (await chromium.browser.newContext()).newPage();
    await consoleSignInPage(running, page, gina);
  });
  afterAll(async () => {
    await chromium?.close();
    await running?.stop();
    await receiver?.close();
  });

  const url = () => receiver.url('/partner-center/admit-events');
  const section = () => page.locator('section.webhook').filter({ hasText: url() });

  it('adds a webhook by its labels and shows the signing secret once', async () => {
    await page.getByRole('navigation', { name: 'Admin console' }).getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    assert.ok(await page.getByText('No webhooks yet.').isVisible());
    assert.deepEqual(await page.getByLabel('Site').locator('option').allTextContents(), ['PARTNERS'], 'only the sites this admin administers');
    await page.getByLabel('Endpoint URL').fill('ftp://nope.example.com/');
    await page.getByLabel('user.disabled').check();
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await page.getByRole('alert').filter({ hasText: 'Use an http:// or https:// endpoint URL' }).waitFor();
    assert.equal(await page.getByLabel('user.disabled').isChecked(), true, 'the form keeps what was chosen');

    await page.getByLabel('Endpoint URL').fill(url());
    await page.getByLabel('user.created').check();
    await page.getByLabel('Description (optional)').fill('Partner Center sync');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    const shown = page.getByRole('status').filter({ hasText: 'shown once' });
    await shown.waitFor();
    const secret = (await page.locator('#webhook-secret').textContent()) ?? '';
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    receiver.secrets.push(secret);
    assert.match((await section().textContent()) ?? '', /Site PARTNERS[\s\S]*Enabled[\s\S]*Partner Center sync[\s\S]*user\.created, user\.disabled/);
    await atBothWidths(page, 'webhooks-added');
    await page.goto(`${running.issuer}/admin/webhooks`);
    assert.equal(await page.locator('#webhook-secret').count(), 0, 'the page does not show the secret again');
    // The same form sent again: no second webhook, and no secret.
    await page.getByLabel('Endpoint URL').fill(url());
    await page.getByLabel('user.created').check();
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await page.getByRole('alert').filter({ hasText: 'already has a webhook to that endpoint' }).waitFor();
    assert.equal(await page.locator('#webhook-secret').count(), 0);
    assert.equal(await section().count(), 1);
  });

  it('lists the latest deliveries with their state after an event', async () => {
    const user = await createLocalDirectory({ store: running.admit.store, siteId: 'PARTNERS' }).addUser({ username: 'pat', password: 'Pat#Partner2026' });
    const pat = await createAccountService({ store: running.admit.store }).linkOrCreate('PARTNERS', 'local', {
      externalId: user.id,
      username: 'pat',
      groups: [],
    });
    await page.goto(`${running.issuer}/admin/users/${pat.id}`);
    await page.getByRole('button', { name: 'Disable' }).first().click();
    await page.getByRole('status').filter({ hasText: 'disabled' }).waitFor();
    await receiver.waitFor((event) => event.type === 'user.disabled' && event.data.user.id === pat.id);
    await running.admit.outboxWorker.drain();
    await page.goto(`${running.issuer}/admin/webhooks`);
    const deliveries = page.getByRole('table', { name: `Latest deliveries to ${url()}` });
    await deliveries.waitFor();
    assert.match((await deliveries.textContent()) ?? '', /user\.disabled[\s\S]*Delivered[\s\S]*1/);
    await atBothWidths(page, 'webhooks-deliveries');
  });

  it('disables and enables, rotates the secret (shown once), and deletes, each by its button', async () => {
    await page.getByRole('button', { name: `Disable the webhook to ${url()}` }).click();
    await page.getByRole('status').filter({ hasText: 'The webhook was disabled' }).waitFor();
    assert.match((await section().textContent()) ?? '', /Disabled/);
    await page.getByRole('button', { name: `Enable the webhook to ${url()}` }).click();
    await page.getByRole('status').filter({ hasText: 'The webhook was enabled' }).waitFor();

    await page.getByRole('button', { name: `Rotate the secret of the webhook to ${url()}` }).click();
    await page.getByRole('status').filter({ hasText: 'New signing secret' }).waitFor();
    const rotated = (await page.locator('#webhook-secret').textContent()) ?? '';
    assert.match(rotated, /^whsec_/);
    assert.notEqual(rotated, receiver.secrets[0]);

    await page.getByRole('button', { name: `Delete the webhook to ${url()}` }).click();
    await page.getByRole('status').filter({ hasText: 'The webhook was deleted' }).waitFor();
    assert.equal(await section().count(), 0);
    await atBothWidths(page, 'webhooks-empty');
  });
});
