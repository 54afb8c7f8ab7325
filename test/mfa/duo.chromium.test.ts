import assert from 'node:assert/strict';
import nock from 'nock';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { atBothWidths, launchChromium } from '../support/chromium.ts';
import { DUO_HOST, duoSettings, type FakeDuo, fakeDuo } from './fake-duo.ts';
import { type MfaWorld, startMfaWorld } from './mfa-world.ts';

/**
 * Duo in real Chromium: "Continue with Duo" on the choose page, the trip to
 * Duo's prompt and back. The browser never leaves loopback: its requests to
 * Duo's host are answered by the same stand-in nock uses for admit's calls
 * (the prompt approves or denies by the test's verdict).
 */
describe('Duo Universal Prompt in Chromium', () => {
  let world: MfaWorld;
  let duo: FakeDuo;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let browser: Browser;

  beforeAll(async () => {
    nock.disableNetConnect();
    nock.enableNetConnect(/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/);
    duo = fakeDuo();
    world = await startMfaWorld({ mfa: { duo: duoSettings() } });
    chromium = await launchChromium();
    browser = chromium.browser;
  });
  afterAll(async () => {
    await chromium?.close();
    await world?.stop();
    duo?.stop();
    nock.enableNetConnect();
  });

  async function newPage(): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    await page.route(`https://${DUO_HOST}/**`, async (route) => {
      await route.fulfill({ status: 302, headers: { location: await duo.prompt(new URL(route.request().url())) } });
    });
    return page;
  }

  it('signs in with Duo from the choose page and trusts the browser', async () => {
    await world.addUser('duoann');
    const page = await newPage();
    await world.signIn(page, 'duoann');
    await page.getByRole('heading', { name: 'Choose an authentication method', level: 1 }).waitFor();
    assert.equal(await page.getByLabel('Trust this browser').isChecked(), true);
    await atBothWidths(page, 'mfa-duo-choose');
    await page.getByRole('button', { name: 'Continue with Duo' }).click();
    await page.waitForURL((url) => url.pathname === '/callback');
    assert.ok(new URL(page.url()).searchParams.get('code'), 'the application got a code');
    const cookies = await page.context().cookies();
    assert.ok(
      cookies.some((cookie) => /trust/i.test(cookie.name)),
      'the trusted-browser cookie was set',
    );
    await page.context().close();
  });

  it('shows Duo\'s denial with "Open Duo Security" and "Choose another method"', async () => {
    await world.addUser('duobob');
    duo.verdict('duobob', { status: 'deny', message: 'User mistake' });
    const page = await newPage();
    await world.signIn(page, 'duobob');
    await page.getByRole('button', { name: 'Continue with Duo' }).click();
    await page.getByRole('heading', { name: 'Verify with Duo Security', level: 1 }).waitFor();
    assert.match(await page.getByRole('alert').innerText(), /Duo Security did not approve this sign-in/);
    await atBothWidths(page, 'mfa-duo-denied');
    duo.verdict('duobob', { status: 'allow', factor: 'Duo Push' });
    await page.getByRole('button', { name: 'Open Duo Security' }).click();
    await page.waitForURL((url) => url.pathname === '/callback');
    await page.context().close();
  });

  it('says when Duo cannot be reached', async () => {
    await world.addUser('ducarl');
    const page = await newPage();
    await world.signIn(page, 'ducarl');
    duo.setHealthy(false);
    try {
      await page.getByRole('button', { name: 'Continue with Duo' }).click();
      await page.getByRole('heading', { name: 'Choose an authentication method', level: 1 }).waitFor();
      assert.match(await page.getByRole('alert').innerText(), /Duo Security cannot be reached right now/);
      await atBothWidths(page, 'mfa-duo-unreachable');
    } finally {
      duo.setHealthy(true);
      await page.context().close();
    }
  });
});
