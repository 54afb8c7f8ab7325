import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type BrandWorld, startBrandWorld } from '../branding/brand-world.ts';
import { atBothWidths, launchChromium } from '../support/chromium.ts';

/** What a shipped language says for a key (the test reads the same files admit does, so it follows their wording). */
const words = (language: string, namespace: string, key: string): string =>
  key
    .split('.')
    .reduce<unknown>(
      (node, part) => (node as Record<string, unknown>)[part],
      JSON.parse(readFileSync(join('locales', language, `${namespace}.json`), 'utf8')),
    ) as string;

/**
 * Seed 002's Region Selector in Chromium: choosing a country and a language
 * on the sign-in page switches the page's language and remembers both; the
 * enrollment wizard starts with that country's phone numbers.
 */
describe('the region selector in Chromium', () => {
  let world: BrandWorld;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let browser: Browser;
  beforeAll(async () => {
    world = await startBrandWorld();
    await world.addUser('rita');
    chromium = await launchChromium();
    browser = chromium.browser;
  });
  afterAll(async () => {
    await chromium?.close();
    await world?.stop();
  });

  const heading = (page: Page, name: string) => page.getByRole('heading', { name, level: 1 }).waitFor();

  async function choose(page: Page, labels: { country: string; language: string }, words: { country: string; language: string; save: string }) {
    await page.getByLabel(words.country).selectOption({ label: labels.country });
    await page.getByLabel(words.language, { exact: true }).selectOption({ label: labels.language });
    await page.getByRole('button', { name: words.save }).click();
  }

  it('switches the sign-in page to German and back, remembers the country, and the wizard starts with German numbers', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(await world.authorizeUrl());
    await heading(page, 'Sign in');
    const signInUrl = page.url();
    await choose(page, { country: 'Germany', language: 'Deutsch' }, { country: 'Region and country', language: 'Language', save: 'Save' });

    await heading(page, words('de', 'signin', 'login.heading'));
    assert.equal(page.url(), signInUrl, 'back on the same sign-in');
    assert.equal(await page.locator('html').getAttribute('lang'), 'de');
    assert.equal(await page.getByLabel(words('de', 'region', 'country')).inputValue(), 'DE', 'the country stays selected');
    assert.equal(await page.locator('header .brand-name').innerText(), 'Itron MSP', 'the brand in German too');
    await atBothWidths(page, 'region-sign-in-de');
    const cookies = await context.cookies();
    for (const [name, value] of [
      ['admit.locale', 'de'],
      ['admit.region', 'DE'],
    ]) {
      const cookie = cookies.find((c) => c.name === name);
      assert.equal(cookie?.value, value, name);
      assert.equal(cookie?.sameSite, 'Lax', name);
      assert.ok(cookie.expires * 1000 - Date.now() > 300 * 86_400_000, `${name} is remembered`);
    }

    // Back to English; Germany stays the country (named in German on this page).
    await choose(
      page,
      { country: 'Deutschland', language: 'English' },
      { country: words('de', 'region', 'country'), language: words('de', 'region', 'language'), save: words('de', 'region', 'submit') },
    );
    await heading(page, 'Sign in');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    await world.signIn(page, 'rita');
    await heading(page, 'Protect Your Itron MSP Account');
    await page.getByRole('button', { name: 'Start setup' }).click();
    await page.getByLabel('Mobile phone').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await heading(page, 'Enter your phone number');
    assert.equal(await page.getByLabel('Country').inputValue(), 'DE', "the region's country is the wizard's default");
    await atBothWidths(page, 'region-wizard-phone-de');
    await context.close();
  });

  it('on the help page, without JavaScript: French, then the page in French', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${world.running.issuer}/help`);
    await heading(page, 'Customer / Partner Center Sign In Help');
    await choose(page, { country: 'France', language: 'Français' }, { country: 'Region and country', language: 'Language', save: 'Save' });
    await heading(page, 'Aide à la connexion Client / Partenaire');
    assert.equal(await page.locator('html').getAttribute('lang'), 'fr');
    await page.getByText('Sélectionnez une région et un pays pour une expérience optimale.').waitFor();
    await page.getByText('Si vous rencontrez toujours des problèmes de connexion, veuillez contacter', { exact: false }).waitFor();
    await atBothWidths(page, 'region-help-fr');
    await context.close();
  });
});
