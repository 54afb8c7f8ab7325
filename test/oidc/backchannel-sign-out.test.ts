import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { startAdmit, type RunningAdmit } from '../support/admit-server.ts';
import { FormBrowser, inputValue } from '../support/form-browser.ts';
import { RP_SECRET, discover, signInThroughBrowser, startLogoutReceiver } from './relying-party.ts';

const decode = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

/**
 * Sessions ended from the portal ("Sign out" of one session, "Sign out
 * everywhere") reach the applications like an RP-initiated logout does: a
 * back-channel logout token for each application the session signed in to.
 */
describe('back-channel logout when sessions are signed out from the portal', () => {
  let running: RunningAdmit;
  let receiver: Awaited<ReturnType<typeof startLogoutReceiver>>;

  before(async () => {
    receiver = await startLogoutReceiver();
    running = await startAdmit({
      config: {
        sites: [{ id: 'DEMO', displayName: 'Demo', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false }, mfa: { required: false } }],
        clients: [{
          client_id: 'rp', client_secret: RP_SECRET, first_party: true, redirect_uris: ['http://127.0.0.1:9/callback'],
          grant_types: ['authorization_code', 'refresh_token'], backchannel_logout_uri: receiver.url, backchannel_logout_session_required: true,
        }],
      },
    });
    await createLocalDirectory({ store: running.admit.store, siteId: 'DEMO' }).addUser({ username: 'bea', password: 'Bea#Secret2026', email: 'bea@example.com' });
  });
  after(async () => {
    await running?.stop();
    await receiver?.close();
  });

  async function signedIn(browser: FormBrowser) {
    const config = await discover(running);
    const flow = await signInThroughBrowser(config, browser, { username: 'bea', password: 'Bea#Secret2026', site: 'DEMO' });
    const tokens = await oidc.authorizationCodeGrant(config, flow.callback, { pkceCodeVerifier: flow.verifier, expectedState: flow.state, expectedNonce: flow.nonce });
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
    // The other browser's session is the row not marked "(this browser)".
    const rows = [...html.matchAll(/<tr>([^]*?)<\/tr>/g)].map((match) => match[1]!).filter((row) => row.includes('/sign-out"'));
    assert.equal(rows.length, 2);
    const otherId = /\/portal\/sessions\/([^/"]+)\/sign-out/.exec(rows.find((row) => !row.includes('(this browser)'))!)![1];
    await here.follow(new URL(`/portal/sessions/${otherId}/sign-out`, running.issuer), undefined, { form: { _csrf: inputValue(html, '_csrf') } });
    assert.equal(receiver.tokens.length, 1);
    assert.equal(decode(receiver.tokens[0]!).sid, there.claims.sid);
  });
});
