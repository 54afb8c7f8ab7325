import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { atBothWidths, launchChromium, screenshot } from '../support/chromium.ts';
import { type MfaWorld, startMfaWorld } from './mfa-world.ts';

/**
 * Security keys and passkeys through WebAuthn, with Chromium's virtual
 * authenticator (CDP WebAuthn domain). Browsers refuse an IP address as RP
 * id, so admit on 127.0.0.1 is opened at http://localhost:<port>.
 */
describe('MFA with a security key in Chromium (virtual authenticator)', () => {
  let world: MfaWorld;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let browser: Browser;
  let origin: string;

  beforeAll(async () => {
    world = await startMfaWorld();
    await world.addUser('kay');
    await world.addUser('pat');
    origin = `http://localhost:${world.running.port}`;
    chromium = await launchChromium();
    browser = chromium.browser;
  });
  afterAll(async () => {
    await chromium?.close();
    await world?.stop();
  });

  async function withAuthenticator(page: Page, options: Record<string, unknown> = {}): Promise<void> {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'usb',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
        ...options,
      },
    });
  }

  async function enrollKey(page: Page, username: string, shots = false) {
    await world.signIn(page, username, { origin });
    await page.getByLabel('Trust this browser').uncheck();
    await page.getByRole('button', { name: 'Start setup' }).click();
    await page.getByLabel('Security Key (YubiKey, Feitian, etc.)').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Add a security key' }).waitFor();
    if (shots) await screenshot(page, 'mfa-20-security-key');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Save recovery codes' }).waitFor();
    await page.getByRole('button', { name: 'Skip' }).click();
    await page.getByRole('heading', { name: 'My Settings & Devices' }).waitFor();
  }

  async function useKey(page: Page) {
    await page.getByRole('button', { name: 'Security key' }).click();
    await page.getByRole('heading', { name: 'Use your security key' }).waitFor();
    await page.getByRole('button', { name: 'Use security key' }).click();
    await page.getByText('code received').waitFor();
  }

  it('enrolls a hardware security key and signs in with it again', async () => {
    const page = await browser.newPage();
    await withAuthenticator(page);
    await enrollKey(page, 'kay', true);
    assert.match(await page.getByRole('list', { name: 'Your devices' }).innerText(), /Security key/);
    await page.getByRole('button', { name: 'Continue to Login' }).click();
    await useKey(page);

    const factors = await world.running.admit.mfa.listFactors((await world.running.admit.store.get(await linkKey('kay')))!);
    assert.deepEqual(
      factors.map((factor) => [factor.type, factor.methods]),
      [['security_key', ['webauthn']]],
    );

    // Signed out, then back: the key is asked for (the browser was not trusted).
    await page.goto(`${origin}/session/end`);
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await world.signIn(page, 'kay', { origin });
    await page.getByRole('heading', { name: 'Choose an authentication method' }).waitFor();
    await atBothWidths(page, 'mfa-21-choose-security-key');
    await page.getByRole('button', { name: 'Security key' }).click();
    await atBothWidths(page, 'mfa-22-use-security-key');
    await page.getByRole('button', { name: 'Use security key' }).click();
    await page.getByText('code received').waitFor();
    await page.context().close();
  });

  it('refuses a forged assertion, and the page says so', async () => {
    const page = await browser.newPage();
    await withAuthenticator(page);
    await enrollKey(page, 'pat');
    await page.getByRole('button', { name: 'Continue to Login' }).click();
    await page.getByRole('button', { name: 'Security key' }).click();
    await page.getByRole('heading', { name: 'Use your security key' }).waitFor();
    const forged = JSON.stringify({
      id: 'AAAA',
      rawId: 'AAAA',
      type: 'public-key',
      response: { clientDataJSON: 'e30', authenticatorData: 'AAAA', signature: 'AAAA' },
      clientExtensionResults: {},
    });
    await page.locator('#webauthn-credential').evaluate((input, value) => input.setAttribute('value', value), forged);
    await page.locator('#webauthn-form').evaluate((form) => (form as unknown as { submit(): void }).submit());
    await page.getByRole('alert').filter({ hasText: 'could not be verified' }).waitFor();
    await page.context().close();
  });

  async function linkKey(username: string): Promise<string> {
    const { createLocalDirectory } = await import('../../plugins/connector-local/local-directory.ts');
    const user = await createLocalDirectory({ store: world.running.admit.store, siteId: 'DEMO' }).findUser(username);
    return `account-link:{DEMO:local:${user!.id}}`;
  }
});
