import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser } from '../support/form-browser.ts';
import { discover, RP_SECRET, signInThroughBrowser } from './relying-party.ts';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe('OIDC protocol rules and abuse', () => {
  let running: RunningAdmit;
  const alice = { username: 'alice', password: 'Correct-Horse-7', site: 'DEMO' };

  beforeAll(async () => {
    running = await startAdmit({
      config: {
        clients: [
          {
            client_id: 'rp',
            client_secret: RP_SECRET,
            first_party: true,
            redirect_uris: ['http://127.0.0.1:9/callback'],
            grant_types: ['authorization_code', 'refresh_token'],
          },
          { client_id: 'public-spa', token_endpoint_auth_method: 'none', first_party: true, redirect_uris: ['http://127.0.0.1:9/callback'] },
          { client_id: 'machine', client_secret: RP_SECRET, grant_types: ['client_credentials'], redirect_uris: [] },
        ],
      },
    });
    await createLocalDirectory({ store: running.admit.store, siteId: 'DEMO' }).addUser({ username: 'alice', password: alice.password });
  });
  afterAll(() => running?.stop());

  async function codeFor(config: oidc.Configuration) {
    return signInThroughBrowser(config, new FormBrowser(), alice);
  }

  it('redeems an authorization code exactly once when 8 token requests race', async () => {
    const config = await discover(running);
    const { callback, verifier } = await codeFor(config);
    const code = callback.searchParams.get('code')!;
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        fetch(`${running.issuer}/token`, {
          method: 'POST',
          headers: { authorization: basic('rp', RP_SECRET), 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: 'http://127.0.0.1:9/callback' }),
        }),
      ),
    );
    const bodies = await Promise.all(responses.map((response) => response.json() as Promise<{ error?: string; access_token?: string }>));
    assert.equal(bodies.filter((body) => body.access_token).length, 1, JSON.stringify(bodies));
    assert.ok(bodies.filter((body) => !body.access_token).every((body) => body.error === 'invalid_grant'));
  });

  it('rotates a refresh token exactly once when 8 refresh requests race', async () => {
    const config = await discover(running);
    const { callback, verifier, state, nonce } = await codeFor(config);
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => oidc.refreshTokenGrant(config, tokens.refresh_token!)));
    assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1);
  });

  it('refuses an authorization request without PKCE, and a wrong code_verifier', async () => {
    const config = await discover(running);
    const noPkce = new URL(`${running.issuer}/auth`);
    noPkce.search = new URLSearchParams({
      client_id: 'rp',
      response_type: 'code',
      scope: 'openid',
      redirect_uri: 'http://127.0.0.1:9/callback',
      state: 's',
    }).toString();
    const refused = await fetch(noPkce, { redirect: 'manual' });
    const location = new URL(refused.headers.get('location') ?? '');
    assert.equal(location.searchParams.get('error'), 'invalid_request');
    assert.match(location.searchParams.get('error_description') ?? '', /PKCE/);

    const { callback, state } = await codeFor(config);
    await assert.rejects(
      oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: state }),
      (error: { error?: string }) => error.error === 'invalid_grant',
    );
  });

  it('signs in a public client with PKCE and no secret', async () => {
    const config = await oidc.discovery(new URL(running.issuer), 'public-spa', undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    const { callback, verifier, state, nonce } = await codeFor(config);
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
    assert.ok(tokens.access_token);
  });

  it('issues client-credentials tokens to a machine client and refuses a wrong secret', async () => {
    const config = await discover(running, 'machine');
    const tokens = await oidc.clientCredentialsGrant(config);
    assert.ok(tokens.access_token);
    const introspected = await oidc.tokenIntrospection(config, tokens.access_token);
    assert.equal(introspected.active, true);
    assert.equal(introspected.client_id, 'machine');
    const wrong = await discover(running, 'machine', 'wrong-secret-wrong-secret-wrong-secret');
    await assert.rejects(oidc.clientCredentialsGrant(wrong), (error: { error?: string }) => error.error === 'invalid_client');
  });

  it('refuses a redirect_uri that is not registered, without redirecting to it', async () => {
    const url = new URL(`${running.issuer}/auth`);
    url.search = new URLSearchParams({
      client_id: 'rp',
      response_type: 'code',
      scope: 'openid',
      redirect_uri: 'https://attacker.example/cb',
      code_challenge: 'a'.repeat(43),
      code_challenge_method: 'S256',
    }).toString();
    const response = await fetch(url, { redirect: 'manual', headers: { accept: 'text/html' } });
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('location'), null);
    assert.match(await response.text(), /redirect_uri/);
  });
});
