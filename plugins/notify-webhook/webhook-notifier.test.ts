import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import { webhookNotifier } from './webhook-notifier.ts';

const SECRET = 'webhook-secret-0123456789-0123456789';
const notifier = (timeoutMs = 2000, url = 'https://gateway.example.test/send') => {
  const parsed = webhookNotifier.parseSettings({ kind: 'webhook', url, secret: SECRET });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return webhookNotifier.create(parsed.settings, { timeoutMs, fetch: globalThis.fetch, log: () => {} });
};

describe('webhook notifier (HTTPS, nock)', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());

  it('posts the message as JSON with a verifiable signature', async () => {
    const headers: Record<string, string> = {};
    let body = '';
    const scope = nock('https://gateway.example.test')
      .matchHeader('x-admit-timestamp', (value) => ((headers['x-admit-timestamp'] = String(value)), /^\d+$/.test(String(value))))
      .matchHeader('x-admit-signature', (value) => ((headers['x-admit-signature'] = String(value)), true))
      .post('/send', (raw) => ((body = JSON.stringify(raw)), true))
      .reply(202, 'queued');
    const outcome = await notifier().send({ to: '+12012345678', channel: 'voice', text: 'Your code is 1 2 3' });
    assert.deepEqual(outcome, { status: 'sent' });
    assert.deepEqual(JSON.parse(body), { to: '+12012345678', channel: 'voice', text: 'Your code is 1 2 3' });
    const expected = createHmac('sha256', SECRET).update(`${headers['x-admit-timestamp']}.${body}`).digest('hex');
    assert.equal(headers['x-admit-signature'], `sha256=${expected}`);
    scope.done();
  });

  it('treats a non-2xx answer and a redirect as failed', async () => {
    nock('https://gateway.example.test').post('/send').reply(500);
    assert.deepEqual(await notifier().send({ to: '+1', channel: 'sms', text: 'x' }), { status: 'failed', reason: 'webhook answered 500' });
    nock('https://gateway.example.test').post('/send').reply(302, '', { location: 'https://elsewhere.example.test/' });
    assert.equal((await notifier().send({ to: '+1', channel: 'sms', text: 'x' })).status, 'failed');
  });

  it('gives up on a gateway that accepts the connection and never answers', async () => {
    nock.enableNetConnect('127.0.0.1');
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const { port } = silent.address() as AddressInfo;
    try {
      const outcome = await notifier(150, `https://127.0.0.1:${port}/send`).send({ to: '+1', channel: 'sms', text: 'x' });
      assert.deepEqual(outcome, { status: 'failed', reason: 'webhook did not answer in time' });
    } finally {
      silent.close();
      nock.disableNetConnect();
    }
  });

  it('refuses a plain-http URL and a short secret', () => {
    const parsed = webhookNotifier.parseSettings({ kind: 'webhook', url: 'http://gateway.example.test/send', secret: 'short' });
    assert.equal(parsed.ok, false);
    assert.ok(!parsed.ok && parsed.problems.length === 2, JSON.stringify(parsed));
  });
});
