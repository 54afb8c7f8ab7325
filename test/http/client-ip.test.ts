import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createAuditQuery } from '../../src/services/audit/audit-query.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, inputValue } from '../support/form-browser.ts';

const CLIENT = { client_id: 'rp', client_secret: 'r'.repeat(40), first_party: true, redirect_uris: ['http://127.0.0.1:9/callback'] };
const PER_IP = 20;
const site = {
  id: 'DEMO',
  displayName: 'Demo',
  directory: { kind: 'local' },
  signIn: { maxFailedAttempts: 5, failureWindowSeconds: 600, maxAttemptsPerIp: PER_IP, changePasswordAtFirstSignIn: false },
};

const start = (server: Record<string, unknown>) =>
  startAdmit({ config: { server: { allowLoopbackRequests: true, ...server }, clients: [CLIENT], sites: [site] } });

/** One sign-in attempt (a user name that exists nowhere) sent with the given X-Forwarded-For. */
async function attempt(running: RunningAdmit, username: string, forwardedFor: string): Promise<number> {
  const browser = new FormBrowser();
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
  const csrf = inputValue(await response.text(), '_csrf');
  // The refusal's status is on the sign-in page the post redirects to (post/redirect/get).
  const { response: answer } = await browser.follow(new URL(`${page.pathname}/login`, page), undefined, {
    form: { _csrf: csrf, username, password: 'Wrong-Password-1', site: 'DEMO' },
    headers: { 'x-forwarded-for': forwardedFor },
  });
  await answer.arrayBuffer();
  return answer.status;
}

const randomIp = () => [...randomBytes(4)].join('.');

/** The client IP the audit log recorded for a user name's sign-in attempt (recorded without waiting for the store). */
async function auditedIp(running: RunningAdmit, username: string): Promise<string | undefined> {
  const today = new Date().toISOString().slice(0, 10);
  for (let tries = 0; tries < 50; tries += 1) {
    const { events } = await createAuditQuery({ store: running.admit.store }).query({ scope: { allSites: true }, user: username, from: today, to: today }, 5);
    const found = events.find((event) => event.username === username);
    if (found) return found.ip;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return undefined;
}

describe('the client IP behind trusted proxies', () => {
  describe('trustProxy: true (one trusted hop)', () => {
    let running: RunningAdmit;
    beforeAll(async () => {
      running = await start({ trustProxy: true });
    });
    afterAll(() => running?.stop());

    it('counts spoofed leftmost X-Forwarded-For entries against the address the proxy appended: only the per-IP limit is checked', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 2 * PER_IP; i += 1) statuses.push(await attempt(running, `spoof-${i}`, `${randomIp()}, 127.0.0.1`));
      assert.deepEqual(statuses.slice(0, PER_IP), Array(PER_IP).fill(401), 'the first attempts up to the limit are checked');
      assert.deepEqual(statuses.slice(PER_IP), Array(PER_IP).fill(429), 'every attempt past the limit is refused unchecked');
    });

    it('takes the rightmost entry, the one the trusted proxy wrote, as the client IP', async () => {
      assert.equal(await attempt(running, 'rightmost-one', '198.51.100.1, 203.0.113.9'), 401);
      assert.equal(await auditedIp(running, 'rightmost-one'), '203.0.113.9');
      assert.equal(await attempt(running, 'rightmost-two', '203.0.113.10'), 401);
      assert.equal(await auditedIp(running, 'rightmost-two'), '203.0.113.10');
    });
  });

  describe('trustedProxyHops: 2 (a CDN in front of the reverse proxy)', () => {
    let running: RunningAdmit;
    beforeAll(async () => {
      running = await start({ trustedProxyHops: 2 });
    });
    afterAll(() => running?.stop());

    it('takes the entry two places from the right and ignores what the client wrote before it', async () => {
      assert.equal(await attempt(running, 'two-hops', '198.51.100.1, 203.0.113.20, 10.0.0.5'), 401);
      assert.equal(await auditedIp(running, 'two-hops'), '203.0.113.20');
      const statuses: number[] = [];
      for (let i = 0; i < PER_IP + 5; i += 1) statuses.push(await attempt(running, `two-hops-${i}`, `${randomIp()}, 203.0.113.21, 10.0.0.5`));
      assert.equal(statuses.filter((status) => status === 401).length, PER_IP, `statuses: ${statuses}`);
      assert.deepEqual(statuses.slice(PER_IP), Array(5).fill(429));
    });
  });

  describe('no proxy trusted (the default)', () => {
    let running: RunningAdmit;
    beforeAll(async () => {
      running = await start({});
    });
    afterAll(() => running?.stop());

    it("ignores X-Forwarded-For and uses the connection's address", async () => {
      assert.equal(await attempt(running, 'direct', '203.0.113.30'), 401);
      assert.match((await auditedIp(running, 'direct')) ?? '', /^(::ffff:)?127\.0\.0\.1$/);
    });
  });
});
