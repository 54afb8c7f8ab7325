import assert from 'node:assert/strict';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, formAction, inputValue } from '../support/form-browser.ts';
import { RP_SECRET } from './relying-party.ts';

/**
 * The protocol features APIs and relying apps ask for, all oidc-provider's
 * own, driven with openid-client: JWT access tokens (RFC 9068) for APIs named
 * by resource indicators (RFC 8707), introspection of opaque ones, DPoP
 * (RFC 9449), pushed authorization requests (RFC 9126) and pairwise subject
 * identifiers (OIDC Core 8.1).
 */
const ORDERS = 'https://api.example.com/orders';
const LEDGER = 'https://ledger.example.com/';
const alice = { username: 'alice', password: 'Correct-Horse-7', site: 'DEMO' };

describe('protocol features for APIs and relying apps', () => {
  let running: RunningAdmit;
  const client = (id: string, redirect: string, extra: Record<string, unknown> = {}) => ({
    client_id: id,
    client_secret: RP_SECRET,
    first_party: true,
    redirect_uris: [redirect],
    grant_types: ['authorization_code', 'refresh_token'],
    ...extra,
  });

  beforeAll(async () => {
    running = await startAdmit({
      config: {
        clients: [
          client('rp', 'http://127.0.0.1:9/callback'),
          client('dpop-only', 'http://127.0.0.1:9/callback', { dpop_bound_access_tokens: true }),
          client('par-only', 'http://127.0.0.1:9/callback', { require_pushed_authorization_requests: true }),
          client('pair-a', 'http://127.0.0.1:9/callback', { subject_type: 'pairwise' }),
          client('pair-b', 'http://127.0.0.1:9/other', { subject_type: 'pairwise' }),
          client('pair-c', 'http://localhost:9/callback', { subject_type: 'pairwise' }),
        ],
        apis: [
          { identifier: ORDERS, scopes: ['orders:read', 'orders:write'], audience: 'orders-api' },
          { identifier: LEDGER, scopes: ['ledger:read'], accessTokenFormat: 'opaque', clients: ['rp'] },
        ],
      },
    });
    await createLocalDirectory({ store: running.admit.store, siteId: 'DEMO' }).addUser({
      username: 'alice',
      password: alice.password,
      name: 'Alice Example',
      email: 'alice@example.com',
    });
  });
  afterAll(() => running?.stop());

  const configFor = (id: string) => oidc.discovery(new URL(running.issuer), id, RP_SECRET, undefined, { execute: [oidc.allowInsecureRequests] });

  /** Authorization (plain or pushed) → sign-in page → callback, with PKCE. */
  async function signIn(
    config: oidc.Configuration,
    redirect: string,
    params: Record<string, string>,
    options: { par?: boolean; dpop?: oidc.DPoPHandle; browser?: FormBrowser } = {},
  ) {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const all = {
      redirect_uri: redirect,
      scope: 'openid',
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...params,
    };
    const url = options.par ? await oidc.buildAuthorizationUrlWithPAR(config, all, { DPoP: options.dpop }) : oidc.buildAuthorizationUrl(config, all);
    const browser = options.browser ?? new FormBrowser();
    const isCallback = (location: URL) => location.href.startsWith(redirect);
    let { response, url: at } = await browser.follow(url, isCallback);
    if (!isCallback(at)) {
      const html = await response.text();
      assert.equal(response.status, 200, html.slice(0, 300));
      ({ url: at } = await browser.follow(new URL(formAction(html, '/login'), at), isCallback, { form: { _csrf: inputValue(html, '_csrf'), ...alice } }));
    }
    assert.ok(isCallback(at), `expected the callback, got ${at.href}`);
    return { callback: at, verifier, state, url };
  }

  it('issues an RFC 9068 JWT access token for an API named by resource, with only its scopes, and keeps userinfo tokens opaque', async () => {
    const config = await configFor('rp');
    const { callback, verifier, state } = await signIn(config, 'http://127.0.0.1:9/callback', { scope: 'openid email orders:read', resource: ORDERS });
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }, { resource: ORDERS });
    const jwks = createRemoteJWKSet(new URL(`${running.issuer}/jwks`));
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, { issuer: running.issuer, audience: 'orders-api', typ: 'at+jwt' });
    assert.equal(protectedHeader.alg, 'RS256');
    assert.equal(payload.scope, 'orders:read', "only the API's scopes");
    assert.equal(payload.client_id, 'rp');
    assert.equal(payload.sub, tokens.claims()!.sub);
    assert.ok(payload.jti && payload.exp && payload.iat);
    assert.ok(tokens.id_token, 'the ID token still comes with it');

    // The refresh token gets a new API token, or a userinfo token when no resource is named.
    const forApi = await oidc.refreshTokenGrant(config, tokens.refresh_token!, { resource: ORDERS });
    assert.equal((await jwtVerify(forApi.access_token, jwks, { audience: 'orders-api', typ: 'at+jwt' })).payload.scope, 'orders:read');
    const forUserinfo = await oidc.refreshTokenGrant(config, forApi.refresh_token!);
    assert.equal(forUserinfo.access_token.split('.').length, 1, 'opaque');
    const info = await oidc.fetchUserInfo(config, forUserinfo.access_token, tokens.claims()!.sub);
    assert.equal(info.email, 'alice@example.com');
  });

  it('introspects an opaque API token, and refuses an API a client may not ask for or that does not exist', async () => {
    const config = await configFor('rp');
    const { callback, verifier, state } = await signIn(config, 'http://127.0.0.1:9/callback', { scope: 'openid ledger:read', resource: LEDGER });
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }, { resource: LEDGER });
    assert.equal(tokens.access_token.split('.').length, 1, 'opaque');
    const introspected = await oidc.tokenIntrospection(config, tokens.access_token);
    assert.equal(introspected.active, true);
    assert.equal(introspected.aud, LEDGER);
    assert.equal(introspected.scope, 'ledger:read');

    for (const [id, resource] of [
      ['pair-a', LEDGER],
      ['rp', 'https://unknown.example.com/'],
    ] as const) {
      const url = oidc.buildAuthorizationUrl(await configFor(id), {
        redirect_uri: 'http://127.0.0.1:9/callback',
        scope: 'openid',
        resource,
        code_challenge: 'a'.repeat(43),
        code_challenge_method: 'S256',
      });
      const answer = await fetch(url, { redirect: 'manual' });
      assert.equal(new URL(answer.headers.get('location')!).searchParams.get('error'), 'invalid_target', `${id} ${resource}`);
    }
  });

  it('binds tokens to a DPoP key: userinfo needs the proof, and a client registered for DPoP cannot do without', async () => {
    const config = await configFor('rp');
    assert.ok(config.serverMetadata().dpop_signing_alg_values_supported?.includes('ES256'));
    const dpop = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair());
    const { callback, verifier, state } = await signIn(config, 'http://127.0.0.1:9/callback', { scope: 'openid email' });
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }, undefined, { DPoP: dpop });
    assert.equal(tokens.token_type, 'dpop');
    const info = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub, { DPoP: dpop });
    assert.equal(info.email, 'alice@example.com');
    const asBearer = await fetch(`${running.issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(asBearer.status, 401, 'a DPoP-bound token is no bearer token');
    // A confidential client's refresh token is bound by its client authentication (RFC 9449, 5):
    // a refresh with a new key gives an access token bound to the new key, which the old key cannot use.
    const otherKey = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair());
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!, undefined, { DPoP: otherKey });
    assert.equal(refreshed.token_type, 'dpop');
    await assert.rejects(oidc.fetchUserInfo(config, refreshed.access_token, tokens.claims()!.sub, { DPoP: dpop }));
    assert.ok((await oidc.fetchUserInfo(config, refreshed.access_token, tokens.claims()!.sub, { DPoP: otherKey })).sub);

    const strict = await configFor('dpop-only');
    const plain = await signIn(strict, 'http://127.0.0.1:9/callback', {});
    await assert.rejects(
      oidc.authorizationCodeGrant(strict, plain.callback, { pkceCodeVerifier: plain.verifier, expectedState: plain.state }),
      (error: { error?: string }) => error.error === 'invalid_grant',
    );
    // The same code with a proof goes through: the refusal was the missing proof.
    const bound = await oidc.authorizationCodeGrant(strict, plain.callback, { pkceCodeVerifier: plain.verifier, expectedState: plain.state }, undefined, {
      DPoP: oidc.getDPoPHandle(strict, await oidc.randomDPoPKeyPair()),
    });
    assert.equal(bound.token_type, 'dpop');
  });

  it('takes pushed authorization requests, and a client that must push cannot send a plain one', async () => {
    const config = await configFor('par-only');
    assert.ok(config.serverMetadata().pushed_authorization_request_endpoint);
    const pushed = await signIn(config, 'http://127.0.0.1:9/callback', { scope: 'openid email' }, { par: true });
    assert.ok(pushed.url.searchParams.get('request_uri')?.startsWith('urn:ietf:params:oauth:request_uri:'));
    assert.equal(pushed.url.searchParams.get('scope'), null, 'the parameters stayed at admit');
    const tokens = await oidc.authorizationCodeGrant(config, pushed.callback, { pkceCodeVerifier: pushed.verifier, expectedState: pushed.state });
    assert.ok(tokens.id_token);

    const plainUrl = oidc.buildAuthorizationUrl(config, {
      redirect_uri: 'http://127.0.0.1:9/callback',
      scope: 'openid',
      code_challenge: 'a'.repeat(43),
      code_challenge_method: 'S256',
    });
    const refused = await fetch(plainUrl, { redirect: 'manual' });
    assert.equal(new URL(refused.headers.get('location')!).searchParams.get('error'), 'invalid_request');
  });

  it('gives pairwise clients one sub per sector: the same for one host, different across hosts and from the public sub', async () => {
    const browser = new FormBrowser();
    const subOf = async (id: string, redirect: string) => {
      const config = await configFor(id);
      const flow = await signIn(config, redirect, {}, { browser });
      const tokens = await oidc.authorizationCodeGrant(config, flow.callback, { pkceCodeVerifier: flow.verifier, expectedState: flow.state });
      const sub = tokens.claims()!.sub;
      assert.equal((await oidc.fetchUserInfo(config, tokens.access_token, sub)).sub, sub, 'userinfo says the same sub');
      return sub;
    };
    const publicSub = await subOf('rp', 'http://127.0.0.1:9/callback');
    const a = await subOf('pair-a', 'http://127.0.0.1:9/callback');
    const b = await subOf('pair-b', 'http://127.0.0.1:9/other');
    const c = await subOf('pair-c', 'http://localhost:9/callback');
    assert.equal(a, b, 'one sector (127.0.0.1:9), one sub');
    assert.notEqual(a, c, 'another sector, another sub');
    assert.notEqual(a, publicSub);
    assert.deepEqual((await configFor('rp')).serverMetadata().subject_types_supported, ['public', 'pairwise']);
  });
});
