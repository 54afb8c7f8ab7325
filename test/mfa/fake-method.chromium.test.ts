import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createSecretBox } from '../../src/lib/secret-box.ts';
import { newDeviceId } from '../../src/services/mfa/devices.ts';
import { TEST_SECRET } from '../support/admit-server.ts';
import { heading, launchChromium } from '../support/chromium.ts';
import { FAKE_TOKEN, fakeTokenMethod } from '../support/fake-mfa-method/fake-token-method.ts';
import { type MfaWorld, startMfaWorld } from './mfa-world.ts';

/**
 * Adding an MFA method is its plugin folder (test/support/fake-mfa-method)
 * and one registration in the composition root (ComposeOptions.mfaMethods):
 * no page, service or list elsewhere changes, yet enrollment offers its
 * device type, the sign-in offers and checks it, and the portal names it.
 */
describe('a fake MFA method registered through the composition root', () => {
  let world: MfaWorld;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  let browser: Browser;

  beforeAll(async () => {
    world = await startMfaWorld({
      compose: { mfaMethods: [fakeTokenMethod] },
      // A second site whose policy allows only the new method.
      sites: [
        {
          id: 'CARDS',
          displayName: 'Card Center',
          directory: { kind: 'local' },
          signIn: { changePasswordAtFirstSignIn: false },
          mfa: { required: true, methods: [FAKE_TOKEN] },
        },
      ],
    });
    chromium = await launchChromium();
    browser = chromium.browser;
  });
  afterAll(async () => {
    await chromium?.close();
    await world?.stop();
  });

  it('signs in with it: offered at the verification page, its prompt shown, its check deciding', async () => {
    const cara = await world.enrolledUser('cara', { mobile: '(201) 555-0151' });
    const who = (await world.running.admit.mfa.subject(cara.accountId))!;
    const card = {
      id: newDeviceId(),
      type: 'tablet' as const,
      name: 'Code card',
      credentials: { [FAKE_TOKEN]: createSecretBox(TEST_SECRET, 'mfa-method').seal('481516') },
      createdAt: new Date().toISOString(),
    };
    assert.equal((await world.running.admit.mfa.manage.add(undefined, who, card, { verifiedAt: Date.now() })).status, 'ok');

    const context = await browser.newContext();
    const page = await context.newPage();
    await world.signIn(page, 'cara');
    await heading(page, 'Choose an authentication method');
    await page.getByLabel('Trust this browser').uncheck();
    await page.getByRole('group', { name: 'Code card' }).getByRole('button', { name: 'Use my code card' }).click();
    await heading(page, 'Enter the code on your card');
    await page.getByLabel('Code from your card').fill('000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    assert.match(await page.getByRole('alert').innerText(), /not correct/);
    await page.getByLabel('Code from your card').fill('481516');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('code received').waitFor();
    await context.close();

    const factors = await world.running.admit.mfa.listFactors(cara.accountId);
    assert.deepEqual(factors.find((factor) => factor.id === card.id)?.methods, [FAKE_TOKEN]);
    assert.equal(world.running.admit.mfa.methods.get(FAKE_TOKEN)?.label, 'Code card', 'the portal names it by its plugin');
  });

  it('enrollment offers only the device types of the methods a site allows', async () => {
    await world.addUser('cody', 'CARDS');
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(await world.authorizeUrl('rp'));
    await page.getByLabel('User Name').fill('cody');
    await page.getByLabel('Password').fill('Mfa-Test#Passw0rd');
    await page.getByLabel('Log on to').selectOption({ value: 'CARDS' });
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Start setup' }).click();
    await heading(page, 'What type of device are you adding?');
    assert.deepEqual(await page.getByRole('radio').evaluateAll((radios) => radios.map((radio) => radio.getAttribute('value'))), ['tablet']);
    await context.close();
  });
});
