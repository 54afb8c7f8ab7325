import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { createLockout } from '../../src/services/lockout.ts';
import type { Site } from '../../src/services/sites.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, inputValue } from '../support/form-browser.ts';

const CLIENT = { client_id: 'rp', client_secret: 'r'.repeat(40), first_party: true, redirect_uris: ['http://127.0.0.1:9/callback'] };

/** Opens the sign-in page of a fresh authorization request; returns where to post and the CSRF token. */
async function openSignIn(running: RunningAdmit, browser = new FormBrowser(), extra: Record<string, string> = {}) {
  const url = new URL(`${running.issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: 'rp',
    response_type: 'code',
    scope: 'openid',
    redirect_uri: CLIENT.redirect_uris[0]!,
    code_challenge: 'c'.repeat(43),
    code_challenge_method: 'S256',
    ...extra,
  }).toString();
  const { response, url: page } = await browser.follow(url);
  const html = await response.text();
  return { browser, action: new URL(`${page.pathname}/login`, page), csrf: inputValue(html, '_csrf') };
}

describe('sign-in form: bad input, CSRF and throttling', () => {
  let running: RunningAdmit;
  beforeAll(async () => {
    running = await startAdmit({
      config: {
        clients: [CLIENT],
        sites: [
          {
            id: 'DEMO',
            displayName: 'Demo',
            directory: { kind: 'local' },
            signIn: { maxFailedAttempts: 3, failureWindowSeconds: 60, maxAttemptsPerIp: 1000, changePasswordAtFirstSignIn: false },
          },
        ],
      },
    });
    const directory = createLocalDirectory({ store: running.admit.store, siteId: 'DEMO' });
    await directory.addUser({ username: 'erin', password: 'Erin-Pass-99' });
    await directory.addUser({ username: 'frank', password: 'Frank-Pass-99' });
  });
  afterAll(() => running?.stop());

  // A refused post answers 303 to the sign-in page (post/redirect/get), which shows the message with the refusal's status.
  const post = async (form: Record<string, string>, headers?: Record<string, string>) => {
    const { browser, action, csrf } = await openSignIn(running);
    // A sign-in that went through stops at the redirect to the application (303).
    return (await browser.follow(action, (location) => location.href.startsWith(CLIENT.redirect_uris[0]!), { form: { _csrf: csrf, ...form }, headers }))
      .response;
  };

  it('asks for missing fields, refuses oversized and unknown values with a clear message', async () => {
    const cases: [Record<string, string>, number, RegExp][] = [
      [{ username: '', password: 'x', site: 'DEMO' }, 400, /Fill in every field/],
      [{ username: 'erin', site: 'DEMO' }, 400, /Fill in every field/],
      [{ username: 'e'.repeat(257), password: 'x', site: 'DEMO' }, 400, /too long/],
      [{ username: 'erin', password: 'x'.repeat(1025), site: 'DEMO' }, 400, /too long/],
      [{ username: 'erin', password: 'Erin-Pass-99', site: 'NOPE' }, 400, /Select your client site/],
      [{ username: 'erin', password: 'Erin-Pass-99' }, 400, /Select your client site/],
    ];
    for (const [form, status, message] of cases) {
      const response = await post(form);
      const html = await response.text();
      assert.equal(response.status, status, JSON.stringify(form));
      assert.match(html, message, JSON.stringify(form));
      assert.doesNotMatch(html, /at \S+\.(ts|js):\d+/, 'no stack trace');
    }
  });

  it('refuses repeated fields and an oversized body without crashing', async () => {
    const { browser, action, csrf } = await openSignIn(running);
    const repeated = await fetch(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: browser.cookieHeader(new URL(running.issuer).origin) },
      body: `_csrf=${csrf}&username=erin&username=frank&password=x&site=DEMO`,
    });
    assert.equal(repeated.status, 400);
    const huge = await fetch(action, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: browser.cookieHeader(new URL(running.issuer).origin),
        accept: 'application/json',
      },
      body: `_csrf=${csrf}&username=${'a'.repeat(20_000)}`,
    });
    assert.equal(huge.status, 413);
    assert.equal(((await huge.json()) as { error: string }).error, 'payload_too_large');
    const ok = await browser.request(action, { form: { _csrf: csrf, username: 'erin', password: 'Erin-Pass-99', site: 'DEMO' } });
    assert.equal(ok.status, 303, 'the interaction still works after the refusals');
  });

  it("refuses a post without the CSRF token or with another browser's token", async () => {
    const { browser, action } = await openSignIn(running);
    const missing = await browser.request(action, { form: { username: 'erin', password: 'Erin-Pass-99', site: 'DEMO' } });
    assert.equal(missing.status, 403);
    assert.match(await missing.text(), /form has expired/);
    const other = await openSignIn(running);
    const crossed = await browser.request(action, { form: { _csrf: other.csrf, username: 'erin', password: 'Erin-Pass-99', site: 'DEMO' } });
    assert.equal(crossed.status, 403);
  });

  describe('throttling', () => {
    // Each test starts with frank's sign-in count cleared, as an unlock clears it.
    const lockout = () => createLockout({ store: running.admit.store, sites: { get: () => ({ config: running.config.sites[0]! }) as Site } });
    beforeEach(() => lockout().clearSignIn('DEMO', 'frank'));

    it("refuses further attempts after the site's failure limit, even with the right password, for that user only", async () => {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        assert.equal((await post({ username: 'frank', password: 'wrong', site: 'DEMO' })).status, 401);
      }
      const blocked = await post({ username: 'frank', password: 'Frank-Pass-99', site: 'DEMO' });
      assert.equal(blocked.status, 429);
      assert.match(await blocked.text(), /Too many sign-in attempts/);
      assert.equal((await post({ username: 'erin', password: 'Erin-Pass-99', site: 'DEMO' })).status, 303, 'another user is not affected');
    });

    it('counts failures across parallel attempts', async () => {
      const statuses = await Promise.all(Array.from({ length: 6 }, () => post({ username: 'frank', password: 'wrong', site: 'DEMO' }).then((r) => r.status)));
      assert.ok(statuses.filter((status) => status === 429).length >= 1, `statuses: ${statuses}`);
      assert.equal((await post({ username: 'frank', password: 'Frank-Pass-99', site: 'DEMO' })).status, 429);
    });

    it('resets the failure count after a successful sign-in', async () => {
      for (let attempt = 0; attempt < 2; attempt += 1) await post({ username: 'frank', password: 'wrong', site: 'DEMO' });
      assert.equal((await post({ username: 'frank', password: 'Frank-Pass-99', site: 'DEMO' })).status, 303);
      for (let attempt = 0; attempt < 2; attempt += 1) assert.equal((await post({ username: 'frank', password: 'wrong', site: 'DEMO' })).status, 401);
    });
  });

  it('signs a disabled account out of single sign-on: prompt=none gets login_required', async () => {
    const { browser, action, csrf } = await openSignIn(running);
    const signedIn = await browser.follow(action, (location) => location.href.startsWith('http://127.0.0.1:9/'), {
      form: { _csrf: csrf, username: 'erin', password: 'Erin-Pass-99', site: 'DEMO' },
    });
    assert.ok(signedIn.url.searchParams.get('code'));
    const account = (await running.admit.store.get(
      `account-link:{DEMO:local:${(await createLocalDirectory({ store: running.admit.store, siteId: 'DEMO' }).findUser('erin'))!.id}}`,
    ))!;
    const accounts = await import('../../src/services/accounts.ts');
    const service = accounts.createAccountService({ store: running.admit.store });
    const record = (await service.find(account))!;
    await service.save({ ...record, status: 'disabled' });

    const silent = await openSignIn(running, browser, { prompt: 'none' }).catch(() => undefined);
    assert.equal(silent, undefined, 'no sign-in page is shown for prompt=none');
    const url = new URL(`${running.issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: 'rp',
      response_type: 'code',
      scope: 'openid',
      redirect_uri: CLIENT.redirect_uris[0]!,
      code_challenge: 'c'.repeat(43),
      code_challenge_method: 'S256',
      prompt: 'none',
    }).toString();
    const result = await browser.follow(url, (location) => location.href.startsWith('http://127.0.0.1:9/'));
    assert.equal(result.url.searchParams.get('error'), 'login_required');

    const again = await openSignIn(running, browser);
    const { response: refused } = await again.browser.follow(again.action, undefined, {
      form: { _csrf: again.csrf, username: 'erin', password: 'Erin-Pass-99', site: 'DEMO' },
    });
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /account is disabled/);
    await service.save(record);
  });
});
