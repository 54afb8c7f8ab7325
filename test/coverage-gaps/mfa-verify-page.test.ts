import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it, vi } from 'vitest';
import { messages } from '../../src/errors/messages.ts';
import { buttonValue, FlowDriver, type Page } from '../mfa/flow-driver.ts';
import { type MfaWorld, PASSWORD, RP_SECRET, startMfaWorld } from '../mfa/mfa-world.ts';

const escaped = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');

/**
 * The verification page of a user who enrolled, driven with form posts:
 * a method of another device, no method, Back, resend, an empty code, a
 * wrong one, an expired one, a recovery code that is not one, and asking
 * for the settings before a factor was proved.
 */
describe('MFA verification page: what a wrong answer says', () => {
  let world: MfaWorld;
  let user: Awaited<ReturnType<MfaWorld['enrolledUser']>>;
  const number = '+12015550199';

  beforeAll(async () => {
    world = await startMfaWorld();
    user = await world.enrolledUser('vera', { mobile: number, recovery: true });
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await world?.stop();
  });

  function says(page: Page, where: string, message: string, status = 400) {
    assert.equal(page.status, status, `${where}: ${page.html.slice(0, 300)}`);
    assert.match(page.url.pathname, new RegExp(`/mfa/${where}$`));
    assert.ok(page.html.includes(escaped(message)) || page.html.includes(message), `${where} says: ${message}`);
  }

  async function atChoose(): Promise<FlowDriver> {
    const d = new FlowDriver(world.running, 'rp', RP_SECRET);
    await d.authorize();
    const page = await d.signIn('vera', PASSWORD);
    assert.match(page.url.pathname, /\/mfa\/choose$/, page.html.slice(0, 300));
    return d;
  }

  it("a method that is not the device's, or none at all, is refused on the page", async () => {
    const d = await atChoose();
    says(await d.submit('/mfa/choose', { method: `totp:${user.device.id}` }), 'choose', messages.mfa_method_unavailable);
    says(await d.submit('/mfa/choose', { method: 'sms:not-a-device' }), 'choose', messages.mfa_method_unavailable);
    says(await d.submit('/mfa/choose', {}), 'choose', messages.mfa_method_unavailable);
  });

  it('"My Settings" before a factor: verify first, then it opens', async () => {
    const d = await atChoose();
    const first = await d.submit('/mfa/choose', { action: 'settings' });
    says(first, 'choose', messages.mfa_verify_first, 200);
    await d.submit('/mfa/choose', { method: buttonValue(d.page.html, 'Text me') });
    const settings = await d.submit('/mfa/code', { action: 'verify', code: world.codeFor(number) });
    assert.match(settings.url.pathname, /\/mfa\/settings$/, settings.html.slice(0, 300));
  });

  it('a texted code: Back, resend, empty, wrong, then expired', async () => {
    const d = await atChoose();
    const sms = buttonValue(d.page.html, 'Text me');
    const code = await d.submit('/mfa/choose', { method: sms });
    assert.match(code.url.pathname, /\/mfa\/code$/);
    const back = await d.submit('/mfa/code', { action: 'back' });
    assert.match(back.url.pathname, /\/mfa\/choose$/);
    await d.submit('/mfa/choose', { method: sms });
    const before = world.sms.sent.length;
    const resent = await d.submit('/mfa/code', { action: 'resend' });
    assert.match(resent.url.pathname, /\/mfa\/code$/);
    assert.equal(world.sms.sent.length, before + 1, 'a new text went out');
    says(await d.submit('/mfa/code', { action: 'verify', code: '' }), 'code', messages.mfa_code_format);
    const right = world.codeFor(number);
    const wrong = right === '000000' ? '111111' : '000000';
    says(await d.submit('/mfa/code', { action: 'verify', code: wrong }), 'code', messages.mfa_code_wrong);
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 60 * 60_000);
    try {
      const late = await d.submit('/mfa/code', { action: 'verify', code: right });
      assert.equal(late.status, 400, late.html.slice(0, 300));
      assert.ok(!late.callback, 'an expired code does not sign in');
    } finally {
      vi.restoreAllMocks();
    }
  });

  it("a recovery code: empty or not one of the user's is refused; Back returns to the choice", async () => {
    const d = await atChoose();
    const recovery = await d.submit('/mfa/choose', { method: 'recovery' });
    assert.match(recovery.url.pathname, /\/mfa\/code$/, recovery.html.slice(0, 300));
    says(await d.submit('/mfa/code', { action: 'verify', code: '' }), 'code', messages.mfa_recovery_wrong);
    says(await d.submit('/mfa/code', { action: 'verify', code: 'abcd-efgh-ijkl' }), 'code', messages.mfa_recovery_wrong);
    const done = await d.submit('/mfa/code', { action: 'verify', code: user.recoveryCodes[0]! });
    assert.ok(done.callback || /\/mfa\//.test(done.url.pathname), 'a real recovery code is accepted');
    assert.notEqual(done.status, 400, done.html.slice(0, 300));
  });
});
