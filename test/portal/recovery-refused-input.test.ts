import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { messages } from '../../src/errors/messages.ts';
import { type MfaWorld, startMfaWorld } from '../mfa/mfa-world.ts';
import { FormBrowser, inputValue } from '../support/form-browser.ts';

const escaped = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&#34;');

/**
 * "Prove it is you" of Reset Password and Unlock Account: a Text me / Call
 * me or a code form that cannot be read is said on the same page (400)
 * before anything is sent or checked, and does not count as a wrong code;
 * without an open flow it is "start again", as any post there.
 */
describe('Reset Password and Unlock Account: a proof form that cannot be read', () => {
  let world: MfaWorld;
  beforeAll(async () => {
    world = await startMfaWorld();
  });
  afterAll(async () => world?.stop());

  async function proving(kind: 'reset' | 'unlock', username: string) {
    const http = new FormBrowser();
    const start = await (await http.follow(`${world.running.issuer}/portal/${kind}`)).response.text();
    const prove = await http.follow(`${world.running.issuer}/portal/${kind}`, undefined, {
      form: { _csrf: inputValue(start, '_csrf'), username, site: 'DEMO' },
    });
    assert.equal(prove.url.pathname, `/portal/${kind}/verify`);
    const html = await prove.response.text();
    const post = (path: 'send' | 'verify', form: Record<string, string>) =>
      http.request(`${world.running.issuer}/portal/${kind}/${path}`, { form: { _csrf: inputValue(html, '_csrf'), ...form } });
    return { http, post };
  }

  async function says(response: Response, status: number, message: string) {
    assert.equal(response.status, status);
    const html = await response.text();
    assert.ok(html.includes(escaped(message)), `says: ${message}: ${html.slice(0, 400)}`);
    return html;
  }

  it('Text me / Call me with another channel, or none, is refused and sends nothing', async () => {
    await world.enrolledUser('vera', { mobile: '2015550111' });
    for (const kind of ['reset', 'unlock'] as const) {
      const { post } = await proving(kind, 'vera');
      const sent = world.sms.sent.length;
      for (const form of [{ channel: 'email' }, {}, { channel: 'SMS' }] as Record<string, string>[]) {
        const html = await says(await post('send', form), 400, messages.invalid_form);
        assert.match(html, /Prove it is you/);
      }
      assert.equal(world.sms.sent.length, sent, 'nothing sent');
    }
  });

  it('a missing, empty or overlong code is refused with its message and is not counted as a wrong code', async () => {
    await world.enrolledUser('wynn', { mobile: '2015550112' });
    const { post } = await proving('reset', 'wynn');
    assert.equal((await post('send', { channel: 'sms' })).status, 200);
    const code = world.codeFor('+12015550112');
    for (let round = 0; round < 2; round += 1) {
      await says(await post('verify', { source: 'phone' }), 400, messages.field_required);
      await says(await post('verify', { source: 'phone', code: '   ' }), 400, messages.field_required);
      await says(await post('verify', { source: 'phone', code: '1'.repeat(33) }), 400, messages.field_too_long);
    }
    // An unknown source is not a refusal: the code's shape decides.
    const proved = await post('verify', { source: 'carrier-pigeon', code });
    assert.equal(proved.status, 303, 'six refused forms did not use up the five tries');
    assert.equal(proved.headers.get('location'), '/portal/reset/finish');
  });

  it('without an open flow, a refused form is "start again" like any other', async () => {
    const http = new FormBrowser();
    const start = await (await http.follow(`${world.running.issuer}/portal/reset`)).response.text();
    const csrf = inputValue(start, '_csrf');
    await says(await http.request(`${world.running.issuer}/portal/reset/send`, { form: { _csrf: csrf, channel: 'email' } }), 400, messages.recovery_expired);
    await says(await http.request(`${world.running.issuer}/portal/reset/verify`, { form: { _csrf: csrf, code: '' } }), 400, messages.recovery_expired);
  });
});
