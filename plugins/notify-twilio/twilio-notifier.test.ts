import assert from 'node:assert/strict';
import { type AddressInfo, createServer } from 'node:net';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import { twilioNotifier } from './twilio-notifier.ts';

const SID = `AC${'a1'.repeat(16)}`;
const settings = (extra: Record<string, unknown> = {}) => {
  const parsed = twilioNotifier.parseSettings({ kind: 'twilio', accountSid: SID, authToken: 'token-0123456789abcdef', from: '+12015550100', ...extra });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.settings;
};
const context = (timeoutMs = 2000) => ({ timeoutMs, fetch: globalThis.fetch, log: () => {} });

describe('Twilio notifier (HTTP API, nock)', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());

  it('sends a text through Messages with basic auth', async () => {
    let body = '';
    const scope = nock('https://api.twilio.com')
      .post(`/2010-04-01/Accounts/${SID}/Messages.json`, (raw) => ((body = new URLSearchParams(raw as string).toString()), true))
      .basicAuth({ user: SID, pass: 'token-0123456789abcdef' })
      .reply(201, { sid: 'SM123' });
    const outcome = await twilioNotifier.create(settings(), context()).send({ to: '+12012345678', channel: 'sms', text: 'Your code is 123456' });
    assert.deepEqual(outcome, { status: 'sent', id: 'SM123' });
    const form = new URLSearchParams(body);
    assert.equal(form.get('To'), '+12012345678');
    assert.equal(form.get('From'), '+12015550100');
    assert.equal(form.get('Body'), 'Your code is 123456');
    scope.done();
  });

  it('places a voice call with escaped TwiML that says the text twice', async () => {
    let twiml = '';
    const scope = nock('https://api.twilio.com')
      .post(`/2010-04-01/Accounts/${SID}/Calls.json`, (raw) => ((twiml = new URLSearchParams(raw as string).get('Twiml') ?? ''), true))
      .reply(201, { sid: 'CA123' });
    const outcome = await twilioNotifier.create(settings(), context()).send({ to: '+12012345678', channel: 'voice', text: 'Code <1, 2> & more' });
    assert.equal(outcome.status, 'sent');
    assert.equal(twiml, '<Response><Say>Code &lt;1, 2&gt; &amp; more</Say><Pause length="1"/><Say>Code &lt;1, 2&gt; &amp; more</Say></Response>');
    scope.done();
  });

  it('reports a refusal, an unreachable API and a slow API as failed, without throwing', async () => {
    nock('https://api.twilio.com')
      .post(/Messages/)
      .reply(400, { code: 21211, message: 'Invalid To' });
    const refused = await twilioNotifier.create(settings(), context()).send({ to: '+1', channel: 'sms', text: 'x' });
    assert.deepEqual(refused, { status: 'failed', reason: 'twilio answered 400 (error 21211)' });

    nock('https://api.twilio.com')
      .post(/Messages/)
      .replyWithError('connection reset');
    const unreachable = await twilioNotifier.create(settings(), context()).send({ to: '+12012345678', channel: 'sms', text: 'x' });
    assert.equal(unreachable.status, 'failed');
  });

  it('gives up on an API that accepts the connection and never answers', async () => {
    nock.enableNetConnect('127.0.0.1');
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const { port } = silent.address() as AddressInfo;
    try {
      const slow = await twilioNotifier
        .create(settings({ apiBase: `http://127.0.0.1:${port}` }), context(200))
        .send({ to: '+12012345678', channel: 'sms', text: 'x' });
      assert.deepEqual(slow, { status: 'failed', reason: 'twilio did not answer in time' });
    } finally {
      silent.close();
      nock.disableNetConnect();
    }
  });

  it('validates its settings and names the option', () => {
    const bad = twilioNotifier.parseSettings({ kind: 'twilio', accountSid: 'nope', authToken: 'short' });
    assert.equal(bad.ok, false);
    assert.ok(!bad.ok && bad.problems.some((problem) => problem.startsWith('accountSid:')));
    const voiceless = twilioNotifier.create(settings({ from: undefined, messagingServiceSid: `MG${'b2'.repeat(16)}` }), context());
    return voiceless.send({ to: '+12012345678', channel: 'voice', text: 'x' }).then((outcome) => assert.equal(outcome.status, 'failed'));
  });
});
