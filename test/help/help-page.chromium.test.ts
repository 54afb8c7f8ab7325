import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { atBothWidths, launchChromium } from '../support/chromium.ts';
import { type HelpWorld, startHelpWorld } from './help-world.ts';

/** Sign In Help as a person reads it, at 1280 and 390 px: the seed's questions for an Entra site, the password answers for a local one. */
describe('Sign In Help in Chromium', () => {
  let world: HelpWorld;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let browser: Browser;
  beforeAll(async () => {
    world = await startHelpWorld();
    await world.admin('dana', ['DEMO']);
    chromium = await launchChromium();
    browser = chromium.browser;
  });
  afterAll(async () => {
    await chromium?.close();
    await world?.stop();
  });

  const question = (page: Page, name: string) => page.getByRole('heading', { name, level: 3, exact: true });

  it("an Entra site: the seed's Microsoft-account questions, the error messages, the support line and the resend form", async () => {
    const page = await browser.newPage();
    await page.goto(`${world.running.issuer}/help?site=CORP`);
    await page.getByRole('heading', { name: 'Customer / Partner Center Sign In Help', level: 1 }).waitFor();
    for (const name of [
      'What security method is used to access my account?',
      'Why do I receive an error when trying to sign in?',
      'What if I do not remember my Microsoft account password?',
      "Why didn't I receive an email invitation?",
      'I already have a Microsoft account; how do I sign in?',
    ])
      assert.equal(await question(page, name).count(), 1, name);
    assert.equal(await question(page, 'What if I do not remember my password?').count(), 0, 'no password answers for Entra');
    await page.getByText("Selected user account does not exist in tenant 'Corp partners'", { exact: false }).waitFor();
    await page.getByText('If you continue to experience issues logging in, please contact', { exact: false }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Learn More about Microsoft Entra ID.' }).count(), 1);
    assert.equal(await page.getByLabel('Region and country').count(), 1, 'the region selector');
    await atBothWidths(page, 'help-entra');
    await page.close();
  });

  it('a local site: the password, Reset Password and Unlock Account answers; the links work; the resend form answers', async () => {
    const page = await browser.newPage();
    await page.goto(`${world.running.issuer}/help?site=DEMO`);
    await question(page, 'What if I do not remember my password?').waitFor();
    await question(page, 'What if my account is locked?').waitFor();
    assert.equal(await question(page, 'What if I do not remember my Microsoft account password?').count(), 0);
    await atBothWidths(page, 'help-local');

    await page.getByLabel('Email address').fill('someone@example.test');
    await page.getByRole('button', { name: 'Request resend' }).click();
    await page.getByRole('status').filter({ hasText: 'Thank you. Your request was passed on' }).waitFor();
    assert.match(page.url(), /\/help\?site=DEMO&sent=1#resend$/);
    await world.smtp.waitFor((mail) => mail.to.includes('dana@admins.test') && mail.subject.endsWith('someone@example.test'));
    await atBothWidths(page, 'help-local-sent');

    await page.getByRole('link', { name: 'Reset Password' }).click();
    await page.getByRole('heading', { name: 'Reset Password', level: 1 }).waitFor();
    await page.goBack();
    await page.getByRole('link', { name: 'Unlock Account' }).click();
    await page.getByRole('heading', { name: 'Unlock Account', level: 1 }).waitFor();
    await page.close();
  });

  it('works without JavaScript: choosing a site in "Log on to" shows its answers', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${world.running.issuer}/help`);
    await page.getByRole('heading', { name: 'Signing in with a Microsoft account', level: 2 }).waitFor();
    await page.getByLabel('Log on to', { exact: true }).first().selectOption('ACME');
    await page.getByRole('button', { name: 'Show answers' }).click();
    await question(page, 'What if my account is locked?').waitFor();
    assert.match(page.url(), /\/help\?site=ACME$/);
    await context.close();
  });
});
