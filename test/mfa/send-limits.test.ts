import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { FlowDriver } from './flow-driver.ts';
import { type MfaWorld, PASSWORD, RP_SECRET, startMfaWorld } from './mfa-world.ts';

/** The limits as a person meets them on the pages: sends, cooldown, wrong codes, failed checks, forged JSON requests. */
describe('MFA limits on the pages', () => {
  let world: MfaWorld;
  beforeAll(async () => {
    world = await startMfaWorld({ sms: { perNumberPerHour: 2, resendCooldownSeconds: 30 }, mfa: { maxFailedVerifications: 6 } });
  });
  afterAll(async () => world?.stop());

  async function atVerifyPage(username: string, number: string) {
    await world.addUser(username);
    const d = new FlowDriver(world.running, 'rp', RP_SECRET);
    await d.authorize();
    await d.signIn(username, PASSWORD);
    await d.submit('/mfa/start');
    await d.submit('/mfa/device', { type: 'mobile' });
    await d.submit('/mfa/phone', { country: 'US', number });
    await d.submit('/mfa/phone', { country: 'US', number, confirmed: 'on' });
    return d;
  }

  it('answers a second send within the cooldown, and sends past the hourly limit, with 429 and a plain message', async () => {
    const d = await atVerifyPage('uma', '2015550301');
    assert.equal((await d.submit('/mfa/verify-phone', { action: 'sms' })).status, 200);
    const cooldown = await d.submit('/mfa/verify-phone', { action: 'call' });
    assert.equal(cooldown.status, 429);
    assert.match(cooldown.html, /A code was just sent/);

    const other = await atVerifyPage('vic', '2015550302');
    await other.submit('/mfa/verify-phone', { action: 'sms' });
    const again = await atVerifyPage('wes', '2015550302');
    assert.equal((await again.submit('/mfa/verify-phone', { action: 'sms' })).status, 200);
    const third = await atVerifyPage('xan', '2015550302');
    const limited = await third.submit('/mfa/verify-phone', { action: 'sms' });
    assert.equal(limited.status, 429);
    assert.match(limited.html, /Too many codes were sent/);
    assert.equal(world.sms.sent.filter((message) => message.to === '+12015550302').length, 2, 'two texts to that number, no more');
  });

  it('burns a code after five wrong entries, then refuses checks for the account', async () => {
    const d = await atVerifyPage('yul', '2015550303');
    await d.submit('/mfa/verify-phone', { action: 'sms' });
    const code = world.codeFor('+12015550303');
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 4; i += 1) assert.match((await d.submit('/mfa/verify-phone', { action: 'verify', code: wrong })).html, /not correct/);
    assert.match((await d.submit('/mfa/verify-phone', { action: 'verify', code: wrong })).html, /Too many wrong codes/);
    assert.match((await d.submit('/mfa/verify-phone', { action: 'verify', code })).html, /Too many wrong codes|expired/, 'the right code is burnt');
    const blocked = await d.submit('/mfa/verify-phone', { action: 'verify', code });
    assert.equal(blocked.status, 429, 'six failed checks of the account');
    assert.match(blocked.html, /Too many failed verifications/);
  });

  it('refuses the security-key options without the form token, or out of turn', async () => {
    await world.addUser('zed');
    const d = new FlowDriver(world.running, 'rp', RP_SECRET);
    await d.authorize();
    const start = await d.signIn('zed', PASSWORD);
    assert.equal((await d.postTo('mfa/key/options', { _csrf: 'forged' })).status, 403);
    assert.equal((await d.postTo('mfa/key/options', {})).status, 409, 'not at the security key page');
    d.page = start;
    await d.submit('/mfa/start');
    await d.submit('/mfa/device', { type: 'security_key' });
    const options = await d.browser.request(new URL(`${d.page.url.pathname}/options`, world.running.issuer), {
      form: { _csrf: d.csrf },
      headers: { accept: 'application/json' },
    });
    assert.equal(options.status, 200);
    const json = (await options.json()) as { rp: { id: string }; challenge: string };
    assert.equal(json.rp.id, 'localhost');
    assert.match(json.challenge, /^[A-Za-z0-9_-]{20,}$/);
    const bad = await d.submit('/mfa/key', { credential: '{"id":"x"}' });
    assert.equal(bad.status, 400);
    assert.match(bad.html, /could not be verified/);
  });
});
