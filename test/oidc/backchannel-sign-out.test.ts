import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, inputValue } from '../support/form-browser.ts';
import { discover, RP_SECRET, signInThroughBrowser, startLogoutReceiver } from './relying-party.ts';

const decode = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

/**
 * Sessions ended from the portal ("Sign out" of one session, "Sign out
 * everywhere") reach the applications like an RP-initiated logout does: a
 * back-channel logout token for each application the session signed in to,
 * delivered through the outbox (retried while the application does not answer 2xx).
 */
describe('back-channel logout when sessions are signed out from the portal', () => {
  let running: RunningAdmit;
  let receiver: Awaited<ReturnType<typeof startLogoutReceiver>>;

  beforeAll(async () => {
    receiver = await startLogoutReceiver();
    running = await startAdmit({
      config: {
        sites: [{ id: 'DEMO', displayName: 'Demo', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false }, mfa: { required: false } }],
        clients: [
          {
            client_id: 'rp',
            client_secret: RP_SECRET,
            first_party: true,
            redirect_uris: ['http://127.0.0.1:9/callback'],
            grant_types: ['authorization_code', 'refresh_token'],
            backchannel_logout_uri: receiver.url,
            backchannel_logout_session_required: true,
          },
        ],
      },
    });
    await createLocalDirectory({ store: running.admit.store, siteId: 'DEMO' }).addUser({
      username: 'bea',
      password: 'Bea#Secret2026',
      email: 'bea@example.com',
    });
  });
  afterAll(async () => {
    await running?.stop();
    await receiver?.close();
  });

  async function signedIn(browser: FormBrowser) {
    const config = await discover(running);
    const flow = await signInThroughBrowser(config, browser, { username: 'bea', password: 'Bea#Secret2026', site: 'DEMO' });
    const tokens = await oidc.authorizationCodeGrant(config, flow.callback, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
    });
    return { config, tokens, claims: tokens.claims()! };
  }

  it('"Sign out everywhere" sends each session\'s logout token, with its sid, and the refresh tokens die', async () => {
    const first = new FormBrowser();
    const other = await signedIn(new FormBrowser());
    const mine = await signedIn(first);
    receiver.tokens.length = 0;
    const page = await first.follow(new URL('/portal/sessions', running.issuer));
    const html = await page.response.text();
    await first.follow(new URL('/portal/sessions/sign-out-everywhere', running.issuer), undefined, { form: { _csrf: inputValue(html, '_csrf') } });
    // The notices go out through the outbox, right after the page answered.
    await running.admit.outboxWorker.drain();
    assert.equal(receiver.tokens.length, 2, 'one logout token per session');
    const sent = receiver.tokens.map(decode);
    assert.deepEqual(sent.map((claims) => claims.sid).sort(), [mine.claims.sid, other.claims.sid].sort());
    for (const claims of sent) {
      assert.equal(claims.sub, mine.claims.sub);
      assert.equal(claims.aud, 'rp');
      assert.ok((claims.events as Record<string, unknown>)['http://schemas.openid.net/event/backchannel-logout']);
      assert.equal(claims.nonce, undefined);
    }
    await assert.rejects(oidc.refreshTokenGrant(mine.config, mine.tokens.refresh_token!));
  });

  it('signing one other session out tells the application about that session only', async () => {
    const here = new FormBrowser();
    const there = await signedIn(new FormBrowser());
    await signedIn(here);
    receiver.tokens.length = 0;
    const page = await here.follow(new URL('/portal/sessions', running.issuer));
    const html = await page.response.text();
    // The other browser's session is the row not marked "This browser".
    const rows = [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((match) => match[1]!).filter((row) => row.includes('/sign-out"'));
    assert.equal(rows.length, 2);
    const otherId = /\/portal\/sessions\/([^/"]+)\/sign-out/.exec(rows.find((row) => !row.includes('This browser'))!)![1];
    await here.follow(new URL(`/portal/sessions/${otherId}/sign-out`, running.issuer), undefined, { form: { _csrf: inputValue(html, '_csrf') } });
    await running.admit.outboxWorker.drain();
    assert.equal(receiver.tokens.length, 1);
    assert.equal(decode(receiver.tokens[0]!).sid, there.claims.sid);
  });
});

describe('back-channel logout through the outbox: an application that is down is told once it is back', () => {
  let running: RunningAdmit;
  let server: Server;
  let url: string;
  let down = true;
  const tokens: string[] = [];

  beforeAll(async () => {
    // A relying application's logout endpoint that answers 503 while it is "down".
    server = createServer(async (req, res) => {
      if (down) return void res.writeHead(503).end();
      const token = new URLSearchParams(await new Response(req as unknown as ReadableStream).text()).get('logout_token');
      if (token) tokens.push(token);
      res.writeHead(200).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/backchannel-logout`;
    running = await startAdmit({
      config: {
        sites: [{ id: 'DEMO', displayName: 'Demo', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false }, mfa: { required: false } }],
        clients: [
          {
            client_id: 'rp',
            client_secret: RP_SECRET,
            first_party: true,
            redirect_uris: ['http://127.0.0.1:9/callback'],
            grant_types: ['authorization_code', 'refresh_token'],
            backchannel_logout_uri: url,
            backchannel_logout_session_required: true,
          },
        ],
        outbox: { retryBaseSeconds: 0.2, retryMaxSeconds: 1, pollMs: 50 },
      },
    });
    await createLocalDirectory({ store: running.admit.store, siteId: 'DEMO' }).addUser({ username: 'cy', password: 'Cy#Secret2026x', email: 'cy@example.com' });
  });
  afterAll(async () => {
    await running?.stop();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  });

  it('the sign-out answers at once; the notice is retried while the application answers 503, then delivered', async () => {
    const browser = new FormBrowser();
    const config = await discover(running);
    const flow = await signInThroughBrowser(config, browser, { username: 'cy', password: 'Cy#Secret2026x', site: 'DEMO' });
    const tokenSet = await oidc.authorizationCodeGrant(config, flow.callback, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
    });
    const page = await browser.follow(new URL('/portal/sessions', running.issuer));
    const html = await page.response.text();
    const started = Date.now();
    await browser.follow(new URL('/portal/sessions/sign-out-everywhere', running.issuer), undefined, { form: { _csrf: inputValue(html, '_csrf') } });
    assert.ok(Date.now() - started < 2000, 'signing out did not wait for the application');
    const notice = (await running.admit.outbox.list({ siteIds: 'all', limit: 10 })).messages.find((message) => message.channel === 'backchannel');
    assert.ok(notice, 'the notice is in the outbox');
    assert.equal(notice.to, 'rp');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const failing = await running.admit.outbox.get(notice.id);
    assert.equal(failing?.state, 'pending');
    assert.ok((failing?.attempts ?? 0) >= 2, `retried: ${failing?.attempts} attempts`);
    assert.match(failing?.lastError ?? '', /503/);
    down = false;
    await running.admit.outboxWorker.drain();
    assert.equal((await running.admit.outbox.get(notice.id))?.state, 'sent');
    assert.equal(tokens.length, 1);
    assert.equal(decode(tokens[0]!).sid, tokenSet.claims()!.sid);
  });
});
