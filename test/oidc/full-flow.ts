import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, formAction, inputValue } from '../support/form-browser.ts';
import { discover, RP_SECRET, signInThroughBrowser, startLogoutReceiver } from './relying-party.ts';

/**
 * The whole relying-party journey with openid-client, a real RP library:
 * discovery → code + PKCE → token → ID token → userinfo → refresh →
 * revocation → logout (with back-channel logout). Run once per backend.
 */
const isInvalidGrant = (error: { error?: string }) => error.error === 'invalid_grant';

export function fullFlowSuite(backend: string, storeUrl: () => string | undefined) {
  describe(`a relying party signs in through admit (${backend})`, () => {
    let running: RunningAdmit;
    let receiver: Awaited<ReturnType<typeof startLogoutReceiver>>;
    const alice = { username: 'alice', password: 'Correct-Horse-7', site: 'DEMO' };

    beforeAll(async () => {
      receiver = await startLogoutReceiver();
      running = await startAdmit({
        store: storeUrl(),
        config: {
          clients: [
            {
              client_id: 'rp',
              client_name: 'Test RP',
              client_secret: RP_SECRET,
              first_party: true,
              redirect_uris: ['http://127.0.0.1:9/callback'],
              post_logout_redirect_uris: ['http://127.0.0.1:9/'],
              grant_types: ['authorization_code', 'refresh_token'],
              backchannel_logout_uri: receiver.url,
            },
          ],
        },
      });
      await createLocalDirectory({ store: running.admit.store, siteId: 'DEMO' }).addUser({
        username: 'alice',
        password: alice.password,
        name: 'Alice Example',
        email: 'alice@example.com',
        phoneNumber: '+15035550100',
        groups: ['staff'],
      });
    });
    afterAll(async () => {
      await running?.stop();
      await receiver?.close();
    });

    it('completes discovery, code + PKCE, userinfo, refresh, revocation and logout', async () => {
      const config = await discover(running);
      const metadata = config.serverMetadata();
      assert.equal(metadata.issuer, running.issuer);
      assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
      assert.ok(metadata.backchannel_logout_supported);

      const browser = new FormBrowser();
      const { callback, verifier, state, nonce } = await signInThroughBrowser(config, browser, alice);
      const tokens = await oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: verifier,
        expectedState: state,
        expectedNonce: nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      assert.ok(claims);
      assert.equal(claims.iss, running.issuer);
      assert.deepEqual(claims.amr, ['pwd']);
      assert.equal(claims.acr, 'urn:admit:acr:pwd');
      assert.ok(tokens.refresh_token, 'a first-party client gets a refresh token');

      const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
      assert.equal(info.name, 'Alice Example');
      assert.equal(info.email, 'alice@example.com');
      assert.equal(info.phone_number, '+15035550100');
      assert.equal(info.tenant, 'DEMO');
      assert.deepEqual(info.groups, ['staff']);

      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
      assert.notEqual(refreshed.refresh_token, tokens.refresh_token, 'refresh tokens rotate');
      await assert.rejects(oidc.refreshTokenGrant(config, tokens.refresh_token!), isInvalidGrant, 'a rotated refresh token is dead');

      await oidc.tokenRevocation(config, refreshed.access_token);
      const introspected = await oidc.tokenIntrospection(config, refreshed.access_token);
      assert.equal(introspected.active, false);

      // RP-initiated logout: confirm page, then the back-channel logout reaches the RP.
      const end = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'http://127.0.0.1:9/' });
      const confirm = await browser.follow(end);
      const html = await confirm.response.text();
      assert.match(html, /Sign out/);
      const done = await browser.follow(new URL(formAction(html, '/session/end'), end), (location) => location.href.startsWith('http://127.0.0.1:9/'), {
        form: { xsrf: inputValue(html, 'xsrf'), logout: 'yes' },
      });
      assert.equal(done.url.href, 'http://127.0.0.1:9/');
      assert.equal(receiver.tokens.length, 1, 'one back-channel logout token');
      const logoutClaims = JSON.parse(Buffer.from(receiver.tokens[0]!.split('.')[1]!, 'base64url').toString());
      assert.equal(logoutClaims.sub, claims.sub);
      await assert.rejects(oidc.refreshTokenGrant(config, refreshed.refresh_token!), isInvalidGrant, 'logout ends the refresh token');
    });

    it('keeps sessions, grants, refresh tokens and accounts across a restart', async () => {
      const config = await discover(running);
      const browser = new FormBrowser();
      const first = await signInThroughBrowser(config, browser, alice);
      const tokens = await oidc.authorizationCodeGrant(config, first.callback, {
        pkceCodeVerifier: first.verifier,
        expectedState: first.state,
        expectedNonce: first.nonce,
      });
      const jwksBefore = await (await fetch(`${running.issuer}/jwks`)).json();

      await running.restart();

      assert.deepEqual(await (await fetch(`${running.issuer}/jwks`)).json(), jwksBefore, 'signing keys survive');
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
      assert.equal(refreshed.claims()?.sub, tokens.claims()?.sub, 'refresh token and account survive');
      // The browser session survives: a new authorization needs no password.
      const again = await signInThroughBrowser(config, browser, { username: 'x', password: 'x', site: 'DEMO' }, { prompt: 'none' });
      assert.ok(again.callback.searchParams.get('code'), 'the SSO session survives');
    });
  });
}
