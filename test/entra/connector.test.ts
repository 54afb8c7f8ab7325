import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { createEntraConnector } from '../../plugins/connector-entra/entra-connector.ts';
import { secretsOf } from '../../plugins/connector-entra/round-trips.ts';
import type { FederatedConnector, FederatedOutcome, Store } from '../../src/kit/index.ts';
import { createStore } from '../../src/store/create-store.ts';
import { CLIENT_ID, entraDirectory, type FakeMicrosoft, FOREIGN_TENANT, fakeMicrosoft, LOGIN_HOST, OTHER_TENANT, offline, TENANT } from './fake-microsoft.ts';

const REDIRECT = 'http://127.0.0.1:9/federated/entra/PARTNER/callback';
const BINDING = 'browser-binding-secret-0123456789-abcdefghijk';
const alice = {
  tid: TENANT,
  oid: '0a0a0a0a-0000-4000-8000-00000000000a',
  email: 'alice@contoso.test',
  name: 'Alice Partner',
  groups: ['g-1', 'g-2'],
  amr: ['pwd', 'mfa'],
};

/**
 * The connector against nock's Microsoft: the round trip's state, nonce and
 * PKCE, the ID token checks, and every way Microsoft can fail.
 */
describe('Entra connector (authorization code + PKCE, MSAL, nock for Microsoft)', () => {
  let dir: string;
  let store: Store;
  let microsoft: FakeMicrosoft;

  beforeAll(async () => {
    offline();
    dir = mkdtempSync(join(tmpdir(), 'admit-entra-'));
    store = await createStore(`sqlite:${join(dir, 'store.db')}`);
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    nock.enableNetConnect();
  });
  beforeEach(async () => {
    microsoft?.stop();
    microsoft = await fakeMicrosoft();
  });

  const connector = (overrides: Record<string, unknown> = {}, siteId = 'PARTNER') => createEntraConnector(entraDirectory(overrides), { store, siteId });

  /** Starts a trip and returns what the browser would bring back from Microsoft for this user. */
  async function roundTrip(entra: FederatedConnector, user = alice, binding = BINDING) {
    const begin = await entra.beginSignIn({ redirectUri: REDIRECT, browserBinding: binding, context: { uid: 'interaction-1' }, loginHint: user.email });
    assert.equal(begin.status, 'redirect', JSON.stringify(begin));
    const url = new URL(begin.status === 'redirect' ? begin.url : '');
    const state = url.searchParams.get('state')!;
    const code = microsoft.issueCode(user, url.searchParams.get('nonce')!, url.searchParams.get('code_challenge')!);
    return { url, state, code };
  }

  const complete = (entra: FederatedConnector, callback: Record<string, string>, binding = BINDING) =>
    entra.completeSignIn({ redirectUri: REDIRECT, browserBinding: binding, callback });

  function assertRejected(outcome: FederatedOutcome, reason: RegExp) {
    assert.equal(outcome.status, 'rejected', JSON.stringify(outcome));
    assert.match(outcome.status === 'rejected' ? outcome.reason : '', reason);
  }

  it('sends the browser to the tenant with state, nonce, PKCE (S256), the client id and the login hint', async () => {
    const { url, state } = await roundTrip(connector());
    assert.equal(url.origin + url.pathname, `${LOGIN_HOST}/${TENANT}/oauth2/v2.0/authorize`);
    assert.equal(url.searchParams.get('client_id'), CLIENT_ID);
    assert.equal(url.searchParams.get('redirect_uri'), REDIRECT);
    assert.equal(url.searchParams.get('response_type'), 'code');
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(url.searchParams.get('code_challenge'), secretsOf(state, BINDING).codeChallenge);
    assert.equal(url.searchParams.get('nonce'), secretsOf(state, BINDING).nonce);
    assert.equal(url.searchParams.get('login_hint'), 'alice@contoso.test');
    assert.equal(url.searchParams.get('prompt'), null, 'Entra refuses select_account with a login hint');
    const begin = await connector().beginSignIn({ redirectUri: REDIRECT, browserBinding: BINDING, context: {} });
    assert.equal(new URL(begin.status === 'redirect' ? begin.url : '').searchParams.get('prompt'), 'select_account');
    assert.match(url.searchParams.get('scope') ?? '', /openid/);
    assert.match(url.searchParams.get('scope') ?? '', /email/);
  });

  it("signs in: identity is tid:oid, profile and groups from the token, Entra's amr kept, its MFA not trusted by default", async () => {
    const entra = connector({ groups: { enabled: true, names: { 'g-1': 'Partners' } } });
    const { state, code } = await roundTrip(entra);
    const outcome = await complete(entra, { code, state });
    assert.equal(outcome.status, 'ok', JSON.stringify(outcome));
    if (outcome.status !== 'ok') return;
    assert.deepEqual(outcome.context, { uid: 'interaction-1' });
    assert.deepEqual(outcome.identity, {
      externalId: `${TENANT}:${alice.oid}`,
      username: 'alice@contoso.test',
      name: 'Alice Partner',
      email: 'alice@contoso.test',
      emailVerified: false,
      groups: ['Partners', 'g-2'],
      upstreamAmr: ['pwd', 'mfa'],
      upstreamMfaTrusted: false,
    });
    assert.equal(microsoft.calls.discovery, 1);
  });

  it("trusts Entra's MFA only when the site opts in and the token says mfa", async () => {
    const trusting = connector({ trustUpstreamMfa: true });
    const withMfa = await roundTrip(trusting);
    const trusted = await complete(trusting, { code: withMfa.code, state: withMfa.state });
    assert.equal(trusted.status === 'ok' && trusted.identity.upstreamMfaTrusted, true);
    const withoutMfa = await roundTrip(trusting, { ...alice, amr: ['pwd'] });
    const untrusted = await complete(trusting, { code: withoutMfa.code, state: withoutMfa.state });
    assert.equal(untrusted.status === 'ok' && untrusted.identity.upstreamMfaTrusted, false);
  });

  it('refuses a callback whose state it never issued, or already used (a replayed callback), without calling Microsoft', async () => {
    const entra = connector();
    const { state, code } = await roundTrip(entra);
    assertRejected(await complete(entra, { code, state: 'A'.repeat(43) }), /unknown_state/);
    assertRejected(await complete(entra, { code }), /missing_state/);
    assert.equal((await complete(entra, { code, state })).status, 'ok');
    const tokenCalls = microsoft.calls.token;
    assertRejected(await complete(entra, { code, state }), /unknown_state/);
    assert.equal(microsoft.calls.token, tokenCalls, 'the replay never reaches the token endpoint');
  });

  it('refuses a code Microsoft says was already redeemed', async () => {
    const entra = connector();
    const first = await roundTrip(entra);
    assert.equal((await complete(entra, { code: first.code, state: first.state })).status, 'ok');
    const second = await roundTrip(entra);
    assertRejected(await complete(entra, { code: first.code, state: second.state }), /code_rejected:invalid_grant:AADSTS54005/);
  });

  it('refuses a callback in another browser (no binding secret), and burns the state', async () => {
    const entra = connector();
    const { state, code } = await roundTrip(entra);
    assertRejected(await complete(entra, { code, state }, 'another-browsers-binding-0123456789-abcdefghij'), /other_browser/);
    assertRejected(await complete(entra, { code, state }), /unknown_state/);
    assert.equal(microsoft.calls.token, 0);
  });

  it("refuses a code arriving at the wrong tenant's callback", async () => {
    const partner = connector();
    const other = connector({ tenant: OTHER_TENANT }, 'OTHER');
    const { state, code } = await roundTrip(partner);
    assertRejected(await complete(other, { code, state }), /wrong_site:PARTNER/);
    assert.equal(microsoft.calls.token, 0);
  });

  it("refuses an ID token with a wrong nonce (MSAL's check, fed the nonce)", async () => {
    const entra = connector();
    const { state, code } = await roundTrip(entra);
    microsoft.state.tamper = (claims) => ({ ...claims, nonce: 'someone-elses-nonce' });
    assertRejected(await complete(entra, { code, state }), /nonce_mismatch/);
  });

  it('refuses an expired ID token, one for another audience, and one not signed by Microsoft', async () => {
    const entra = connector();
    const now = Math.floor(Date.now() / 1000);
    microsoft.state.tamper = (claims) => ({ ...claims, iat: now - 7200, nbf: now - 7200, exp: now - 3600 });
    let trip = await roundTrip(entra);
    assertRejected(await complete(entra, { code: trip.code, state: trip.state }), /id_token_expired/);
    microsoft.state.tamper = (claims) => ({ ...claims, aud: 'another-application' });
    trip = await roundTrip(entra);
    assertRejected(await complete(entra, { code: trip.code, state: trip.state }), /id_token_claim_aud/);
    microsoft.state.tamper = undefined;
    microsoft.state.signingKey = await microsoft.otherSigningKey();
    trip = await roundTrip(entra);
    assertRejected(await complete(entra, { code: trip.code, state: trip.state }), /bad_signature/);
  });

  it('single tenant: refuses a token of another tenant, even with a matching issuer for that tenant', async () => {
    const entra = connector();
    const { state, code } = await roundTrip(entra, { ...alice, tid: FOREIGN_TENANT });
    assertRejected(await complete(entra, { code, state }), /tenant_not_allowed/);
  });

  it("multi-tenant: accepts allow-listed home tenants only, and the issuer must be that tenant's", async () => {
    const entra = connector({ tenant: 'organizations', allowedTenants: [TENANT, OTHER_TENANT] });
    let trip = await roundTrip(entra, { ...alice, tid: OTHER_TENANT });
    const allowed = await complete(entra, { code: trip.code, state: trip.state });
    assert.equal(allowed.status === 'ok' && allowed.identity.externalId, `${OTHER_TENANT}:${alice.oid}`);
    assert.match((await roundTrip(entra)).url.pathname, /^\/organizations\/oauth2\/v2\.0\/authorize$/);
    trip = await roundTrip(entra, { ...alice, tid: FOREIGN_TENANT });
    assertRejected(await complete(entra, { code: trip.code, state: trip.state }), /tenant_not_allowed/);
    // An allowed tid inside a token issued by another tenant's issuer.
    microsoft.state.tamper = (claims) => ({ ...claims, iss: `${LOGIN_HOST}/${FOREIGN_TENANT}/v2.0` });
    trip = await roundTrip(entra);
    assertRejected(await complete(entra, { code: trip.code, state: trip.state }), /issuer_mismatch/);
  });

  it("reports the user backing out at Microsoft, and Microsoft's own errors, with the round trip's context", async () => {
    const entra = connector();
    const cancelled = await roundTrip(entra);
    assert.deepEqual(await complete(entra, { state: cancelled.state, error: 'access_denied', error_subcode: 'cancel' }), {
      status: 'cancelled',
      context: { uid: 'interaction-1' },
    });
    const failed = await roundTrip(entra);
    const outcome = await complete(entra, {
      state: failed.state,
      error: 'invalid_request',
      error_description: 'AADSTS50011: The redirect URI does not match.',
    });
    assert.equal(outcome.status, 'upstream_error');
  });

  it('gives up on a token endpoint that does not answer (MSAL sets no timeout on POST) and reports "unavailable"', async () => {
    const entra = connector({ timeoutMs: 300 });
    const { state, code } = await roundTrip(entra);
    microsoft.state.tokenAnswer = () => ({ status: 200, body: {}, delayMs: 3000 });
    const started = Date.now();
    const outcome = await complete(entra, { code, state });
    assert.equal(outcome.status, 'unavailable', JSON.stringify(outcome));
    assert.match(outcome.status === 'unavailable' ? outcome.reason : '', /no answer within 300 ms/);
    assert.ok(Date.now() - started < 2500, 'does not hang');
  });

  it('reports a 5xx of the token endpoint as "unavailable", and the next user is not throttled by it', async () => {
    const entra = connector();
    const first = await roundTrip(entra);
    microsoft.state.tokenAnswer = () => ({ status: 503, body: { error: 'temporarily_unavailable' } });
    const outcome = await complete(entra, { code: first.code, state: first.state });
    assert.equal(outcome.status, 'unavailable', JSON.stringify(outcome));
    assert.match(outcome.status === 'unavailable' ? outcome.reason : '', /answered 503/);
    microsoft.state.tokenAnswer = undefined;
    const next = await roundTrip(entra);
    assert.equal((await complete(entra, { code: next.code, state: next.state })).status, 'ok');
  });

  it('reports discovery being down as "unavailable" at the start, and in health', async () => {
    microsoft.stop();
    nock(LOGIN_HOST)
      .get(/openid-configuration$/)
      .reply(500, 'down')
      .persist();
    const entra = connector();
    const begin = await entra.beginSignIn({ redirectUri: REDIRECT, browserBinding: BINDING, context: {} });
    assert.equal(begin.status, 'unavailable');
    assert.equal((await entra.health()).ok, false);
    nock.cleanAll();
  });

  it('validates its settings and names the option', () => {
    assert.throws(() => connector({ clientSecret: undefined }), /directory.clientSecret: set either clientSecret or clientCertificate/);
    assert.throws(() => connector({ tenant: 'organizations' }), /directory.allowedTenants: Required when tenant is organizations/);
    assert.throws(() => connector({ tenant: 'contoso' }), /directory.tenant/);
    assert.throws(() => connector({ metadataUrl: 'http://metadata.example/openid' }), /directory.metadataUrl: use https/);
    assert.throws(
      () => connector({ clientCertificate: { privateKeyFile: '/nonexistent.pem', thumbprintSha256: 'a'.repeat(64) }, clientSecret: undefined }),
      /directory.clientCertificate.privateKeyFile: cannot read/,
    );
  });
});
