import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, inputValue } from '../support/form-browser.ts';
import { type RunningRedis, startRedis } from '../support/redis-server.ts';

const CLIENT = { client_id: 'rp', client_secret: 'r'.repeat(40), first_party: true, redirect_uris: ['http://127.0.0.1:9/callback'] };

describe('when Redis fails under admit', () => {
  let redis: RunningRedis;
  let running: RunningAdmit;

  beforeAll(async () => {
    redis = await startRedis();
    running = await startAdmit({
      store: redis.url,
      config: { clients: [CLIENT], store: { url: redis.url, redis: { keyPrefix: 'outage:', commandTimeoutMs: 500 } } },
    });
    await createLocalDirectory({ store: running.admit.store, siteId: 'DEMO' }).addUser({ username: 'heidi', password: 'Heidi-Pass-55' });
  });
  afterAll(async () => {
    await running?.stop();
    await redis?.stop();
  });

  async function openSignIn(browser: FormBrowser) {
    const url = new URL(`${running.issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: 'rp',
      response_type: 'code',
      scope: 'openid',
      redirect_uri: CLIENT.redirect_uris[0]!,
      code_challenge: 'c'.repeat(43),
      code_challenge_method: 'S256',
    }).toString();
    const { response, url: page } = await browser.follow(url);
    const html = await response.text();
    return { action: new URL(`${page.pathname}/login`, page), csrf: inputValue(html, '_csrf') };
  }

  it('shows "start the sign-in again" when the interaction vanished (Redis flushed)', async () => {
    const browser = new FormBrowser();
    const { action, csrf } = await openSignIn(browser);
    const admin = new Redis(redis.url);
    await admin.flushall();
    admin.disconnect();
    const response = await browser.request(action, { form: { _csrf: csrf, username: 'heidi', password: 'Heidi-Pass-55', site: 'DEMO' } });
    assert.equal(response.status, 400);
    const html = await response.text();
    assert.match(html, /Start the sign-in again/);
    assert.doesNotMatch(html, /interaction session not found/i, 'not the bare protocol error');
  });

  it('answers 503 with a page, fast, while Redis does not answer, then recovers', async () => {
    await createLocalDirectory({ store: running.admit.store, siteId: 'DEMO' })
      .addUser({ username: 'heidi', password: 'Heidi-Pass-55' })
      .catch(() => undefined);
    const browser = new FormBrowser();
    const { action, csrf } = await openSignIn(browser);
    redis.pause();
    try {
      const started = performance.now();
      const page = await browser.request(action, { form: { _csrf: csrf, username: 'heidi', password: 'Heidi-Pass-55', site: 'DEMO' } });
      assert.equal(page.status, 503);
      assert.match(await page.text(), /Temporarily unavailable/);
      assert.ok(performance.now() - started < 5000, 'no hang while Redis is silent');
      const ready = await fetch(`${running.issuer}/readyz`);
      assert.equal(ready.status, 503);
      const json = await browser.request(new URL(action.pathname.replace(/\/login$/, ''), action), { headers: { accept: 'application/json' } });
      assert.equal(json.status, 503);
      assert.equal(((await json.json()) as { error: string }).error, 'store_unavailable');
      const token = await fetch(`${running.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: 'x',
          client_id: 'rp',
          client_secret: CLIENT.client_secret,
          redirect_uri: CLIENT.redirect_uris[0]!,
          code_verifier: 'v'.repeat(43),
        }),
      });
      assert.equal(token.status, 503, 'the token endpoint says the store is unavailable');
      assert.equal(token.headers.get('retry-after'), '5');
    } finally {
      redis.resume();
    }
    assert.equal((await fetch(`${running.issuer}/readyz`)).status, 200, 'ready again once Redis answers');
    const again = await openSignIn(browser);
    const signedIn = await browser.request(again.action, { form: { _csrf: again.csrf, username: 'heidi', password: 'Heidi-Pass-55', site: 'DEMO' } });
    assert.equal(signedIn.status, 303);
  });
});
