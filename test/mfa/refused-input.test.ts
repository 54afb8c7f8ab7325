import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it, vi } from 'vitest';
import { messages } from '../../src/errors/messages.ts';
import { inputValue } from '../support/form-browser.ts';
import { buttonValue, FlowDriver, type Page } from './flow-driver.ts';
import { type MfaWorld, PASSWORD, RP_SECRET, startMfaWorld } from './mfa-world.ts';

const escaped = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&#34;');

/**
 * The wizard's forms that cannot be read (a value no option has, a missing
 * or overlong field) are refused on the same page with its message (400,
 * after post/redirect/get), what was typed shown again where the page
 * shows it; the buttons that need no field (Back) still work, and a refused
 * post to a page that is not the current one is sent to the current page.
 */
describe('MFA wizard: forms that cannot be read', () => {
  let world: MfaWorld;
  let d: FlowDriver;

  beforeAll(async () => {
    world = await startMfaWorld();
    await world.addUser('rhea');
    d = new FlowDriver(world.running, 'rp', RP_SECRET);
    await d.authorize();
    assert.match((await d.signIn('rhea', PASSWORD)).url.pathname, /\/mfa\/start$/);
    await d.submit('/mfa/start');
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await world?.stop();
  });

  function refused(page: Page, where: string, message: string) {
    assert.equal(page.status, 400, `${where}: ${page.html.slice(0, 300)}`);
    assert.match(page.url.pathname, new RegExp(`/mfa/${where}$`));
    assert.ok(page.html.includes(escaped(message)), `${where} says: ${message}`);
  }

  it('"What type of device": an unknown or missing type', async () => {
    refused(await d.submit('/mfa/device', { type: 'satellite' }), 'device', messages.mfa_choose_option);
    refused(await d.submit('/mfa/device', {}), 'device', messages.mfa_choose_option);
    const reload = await d.get(d.page.url);
    assert.equal(reload.status, 200, 'shown once');
    assert.match((await d.submit('/mfa/device', { type: 'mobile' })).url.pathname, /\/mfa\/phone$/);
  });

  it('"Enter your phone number": an overlong number or country, a missing number; Back needs neither', async () => {
    const long = '2'.repeat(41);
    const tooLong = await d.submit('/mfa/phone', { country: 'US', number: long });
    refused(tooLong, 'phone', messages.mfa_phone_invalid);
    assert.equal(inputValue(tooLong.html, 'number'), long.slice(0, 40), 'the number is shown again');
    const country = await d.submit('/mfa/phone', { country: 'USA', number: '2015550177' });
    refused(country, 'phone', messages.mfa_phone_invalid);
    assert.equal(inputValue(country.html, 'number'), '2015550177');
    refused(await d.submit('/mfa/phone', { country: 'US' }), 'phone', messages.mfa_phone_invalid);
    refused(await d.submit('/mfa/phone', { country: 'US', number: '2015550177', confirmed: 'yes' }), 'phone', messages.mfa_phone_invalid);
    const back = await d.submit('/mfa/phone', { action: 'back', number: long });
    assert.equal(back.status, 200);
    assert.match(back.url.pathname, /\/mfa\/device$/);
    await d.submit('/mfa/device', { type: 'mobile' });
  });

  it('"What type of phone": an unknown or missing platform', async () => {
    const number = '+12015550188';
    await d.submit('/mfa/phone', { country: 'US', number: '2015550188' });
    await d.submit('/mfa/phone', { country: 'US', number: '2015550188', confirmed: 'on' });
    await d.submit('/mfa/verify-phone', { action: 'sms' });
    assert.match((await d.submit('/mfa/verify-phone', { action: 'verify', code: world.codeFor(number) })).url.pathname, /\/mfa\/phone-type$/);
    refused(await d.submit('/mfa/phone-type', { platform: 'blackberry' }), 'phone-type', messages.mfa_choose_option);
    refused(await d.submit('/mfa/phone-type', {}), 'phone-type', messages.mfa_choose_option);
    await d.submit('/mfa/phone-type', { platform: 'other' });
    assert.match((await d.submit('/mfa/recovery', { action: 'skip' })).url.pathname, /\/mfa\/settings$/);
  });

  it('"My Settings & Devices": Save without its fields, an overlong one, an unknown button', async () => {
    refused(await d.submit('/mfa/settings', { action: 'save' }), 'settings', messages.mfa_choose_option);
    refused(await d.submit('/mfa/settings', { action: 'save', defaultDevice: 'd'.repeat(65), whenILogIn: 'ask' }), 'settings', messages.mfa_choose_option);
    refused(await d.submit('/mfa/settings', { action: 'save', defaultDevice: 'x', whenILogIn: '' }), 'settings', messages.mfa_choose_option);
    refused(await d.submit('/mfa/settings', { action: 'bogus' }), 'settings', messages.mfa_choose_option);
    refused(await d.submit('/mfa/settings', {}), 'settings', messages.mfa_choose_option);
  });

  it('"Device Options": a name that is empty, too long or has markup; an unknown type of phone or button', async () => {
    const options = await d.submit('/mfa/settings', { action: buttonValue(d.page.html, 'Device Options') });
    assert.match(options.url.pathname, /\/mfa\/device-options$/);
    for (const name of ['', '   ', 'n'.repeat(41), '<b>phone</b>']) {
      refused(await d.submit('/mfa/device-options', { action: 'rename', name }), 'device-options', messages.mfa_name_invalid);
    }
    refused(await d.submit('/mfa/device-options', { action: 'rename' }), 'device-options', messages.mfa_name_invalid);
    refused(await d.submit('/mfa/device-options', { action: 'platform', platform: 'nokia' }), 'device-options', messages.mfa_choose_option);
    refused(await d.submit('/mfa/device-options', { action: 'platform' }), 'device-options', messages.mfa_choose_option);
    refused(await d.submit('/mfa/device-options', { action: 'bogus' }), 'device-options', messages.mfa_choose_option);
    refused(await d.submit('/mfa/device-options', {}), 'device-options', messages.mfa_choose_option);
    const accountId = await world.accountIdOf('rhea');
    const [before] = await world.running.admit.mfa.devices.list(accountId);
    assert.notEqual(before?.name, '', 'nothing was renamed');
    const renamed = await d.submit('/mfa/device-options', { action: 'rename', name: '  Work phone  ' });
    assert.equal(renamed.status, 200);
    assert.match(renamed.html, /The device was renamed/);
    assert.equal((await world.running.admit.mfa.devices.list(accountId))[0]?.name, 'Work phone', 'trimmed');
    const changed = await d.submit('/mfa/device-options', { action: 'platform', platform: 'android' });
    assert.match(changed.html, /The type of phone was changed/);
  });

  it('a refused post to another page goes to the current page, which it leaves as it was', async () => {
    const onPage = d.page.url.pathname;
    for (const [path, form] of [
      ['mfa/device', { type: 'satellite' }],
      ['mfa/phone', { country: 'USA' }],
      ['mfa/phone-type', { platform: 'nokia' }],
      ['mfa/settings', { action: 'save' }],
    ] as const) {
      const answer = await d.postTo(path, form);
      assert.equal(answer.status, 200, `${path}: ${answer.html.slice(0, 200)}`);
      assert.equal(answer.url.pathname, onPage, path);
      assert.ok(!answer.html.includes('role="alert"'), `${path}: no message`);
    }
  });

  it('without a fresh second factor, a refused post asks for one first, as an accepted one would', async () => {
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 11 * 60_000);
    try {
      const stale = await d.submit('/mfa/device-options', { action: 'rename', name: '' });
      assert.equal(stale.status, 200, stale.html.slice(0, 300));
      assert.match(stale.url.pathname, /\/mfa\/choose$/);
    } finally {
      vi.restoreAllMocks();
    }
  });
});
