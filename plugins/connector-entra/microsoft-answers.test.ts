import assert from 'node:assert/strict';
import { sign as cryptoSign, KeyObject } from 'node:crypto';
import { AuthError, ServerError } from '@azure/msal-node';
import { CompactSign, createLocalJWKSet, exportJWK, generateKeyPair, type JWK, type JWTVerifyGetKey, SignJWT } from 'jose';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import { failureOf } from './errors.ts';
import { checkIdToken } from './id-token.ts';
import { createNetworkClient, isSafeUrl, UpstreamUnavailableError } from './network-client.ts';
import { parseEntraSettings } from './settings.ts';
import { createSigningKeySource } from './signing-keys.ts';

/**
 * What admit makes of every answer Microsoft can give: the ID token checks
 * (each kind of forged, stale or malformed token has its own reason), the
 * signing keys (rolled over, garbage), the network client (slow, down,
 * oversized, not JSON) and how a failed MSAL call is classified.
 */
const TENANT = '11111111-1111-4111-8111-111111111111';
const OTHER_TENANT = '22222222-2222-4222-8222-222222222222';
const CLIENT_ID = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const OID = '0a0a0a0a-0000-4000-8000-00000000000a';
const HOST = 'https://login.microsoftonline.com';
const NONCE = 'nonce-of-this-round-trip-0123456789';

const single = parseEntraSettings({ kind: 'entra', tenant: TENANT, clientId: CLIENT_ID, clientSecret: 's', clockToleranceSeconds: 0 });
const multi = parseEntraSettings({ kind: 'entra', tenant: 'organizations', allowedTenants: [TENANT, OTHER_TENANT], clientId: CLIENT_ID, clientSecret: 's' });

async function rsaKey(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } as JWK };
}

describe('failureOf: a failed call to Microsoft is a rejection or an outage, never a 500', () => {
  it("the network client's own record wins over whatever MSAL wrapped it in", () => {
    const wrapped = new AuthError('network_error', 'correlation-1', 'Network request failed');
    assert.deepEqual(failureOf(wrapped, ['POST login.microsoftonline.com/t/token: answered 503', 'second']), {
      status: 'unavailable',
      reason: 'POST login.microsoftonline.com/t/token: answered 503',
    });
    assert.deepEqual(failureOf(new UpstreamUnavailableError('keys: not a JSON Web Key Set'), []), {
      status: 'unavailable',
      reason: 'keys: not a JSON Web Key Set',
    });
  });

  it('Microsoft refusing the code is a rejection naming its error code and AADSTS number when there is one', () => {
    assert.deepEqual(failureOf(new ServerError('invalid_grant', 'correlation-1', 'AADSTS70008: The provided authorization code has expired.'), []), {
      status: 'rejected',
      reason: 'code_rejected:invalid_grant:AADSTS70008',
    });
    assert.deepEqual(failureOf(new ServerError('invalid_client', 'correlation-1', 'The client secret is wrong'), []), {
      status: 'rejected',
      reason: 'code_rejected:invalid_client',
    });
    assert.deepEqual(failureOf(new ServerError('', 'correlation-1'), []), { status: 'rejected', reason: 'code_rejected:unknown' });
  });

  it("MSAL's own checks: nonce, state (mismatched or not found), its network error, anything else", () => {
    assert.deepEqual(failureOf(new AuthError('nonce_mismatch', 'correlation-1'), []), { status: 'rejected', reason: 'nonce_mismatch' });
    assert.deepEqual(failureOf(new AuthError('state_mismatch', 'correlation-1'), []), { status: 'rejected', reason: 'state_mismatch' });
    assert.deepEqual(failureOf(new AuthError('state_not_found', 'correlation-1'), []), { status: 'rejected', reason: 'state_mismatch' });
    assert.deepEqual(failureOf(new AuthError('network_error', 'correlation-1', 'ECONNRESET'), []), { status: 'unavailable', reason: 'network: ECONNRESET' });
    assert.deepEqual(failureOf(new AuthError('invalid_cache_record', 'correlation-1'), []), { status: 'rejected', reason: 'msal:invalid_cache_record' });
  });

  it('an unexpected throw is "unavailable" with its message, even when it is not an Error', () => {
    assert.deepEqual(failureOf(new TypeError('boom'), []), { status: 'unavailable', reason: 'unexpected: boom' });
    assert.deepEqual(failureOf(null, []), { status: 'unavailable', reason: 'unexpected: null' });
    assert.deepEqual(failureOf('just a string', []), { status: 'unavailable', reason: 'unexpected: just a string' });
  });
});

describe('checkIdToken: every way a token from "Microsoft" can be wrong', () => {
  let key: Awaited<ReturnType<typeof rsaKey>>;
  let impostor: Awaited<ReturnType<typeof rsaKey>>;
  let keys: JWTVerifyGetKey;

  beforeAll(async () => {
    key = await rsaKey('k1');
    impostor = await rsaKey('k1');
    keys = createLocalJWKSet({ keys: [key.jwk] });
  });

  function claims(overrides: Record<string, unknown> = {}, tid = TENANT): Record<string, unknown> {
    const now = Math.floor(Date.now() / 1000);
    return { iss: `${HOST}/${tid}/v2.0`, aud: CLIENT_ID, iat: now, nbf: now, exp: now + 3600, tid, oid: OID, nonce: NONCE, ...overrides };
  }
  const sign = (body: Record<string, unknown>, signer = key.privateKey, kid = 'k1') => new SignJWT(body).setProtectedHeader({ alg: 'RS256', kid }).sign(signer);
  const check = async (raw: string, settings = single, nonce = NONCE) => checkIdToken(raw, { settings, keys, nonce });
  const reason = async (raw: string, settings = single, nonce = NONCE) => {
    const result = await check(raw, settings, nonce);
    assert.equal(result.status, 'rejected', JSON.stringify(result));
    return result.status === 'rejected' ? result.reason : '';
  };

  it("accepts a token of the tenant, for our client, with this trip's nonce", async () => {
    const result = await check(await sign(claims()));
    assert.equal(result.status, 'ok');
    assert.equal(result.status === 'ok' ? result.claims.oid : '', OID);
  });

  it("refuses an expired token, one for another client and one missing the user's object id", async () => {
    const past = Math.floor(Date.now() / 1000) - 7200;
    assert.equal(await reason(await sign(claims({ iat: past, nbf: past, exp: past + 60 }))), 'id_token_expired');
    assert.equal(await reason(await sign(claims({ aud: 'another-client' }))), 'id_token_claim_aud');
    const { oid: _oid, ...withoutOid } = claims();
    assert.equal(await reason(await sign(withoutOid)), 'id_token_claim_oid');
  });

  it('refuses a token signed by an unknown key id, by a forged key under a known id, or with HS256', async () => {
    assert.equal(await reason(await sign(claims(), key.privateKey, 'k-unknown')), 'unknown_signing_key');
    assert.equal(await reason(await sign(claims(), impostor.privateKey)), 'bad_signature');
    const hs = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(new TextEncoder().encode('x'.repeat(32)));
    assert.equal(await reason(hs), 'algorithm_not_allowed');
  });

  it('refuses garbage, a payload that is not a claims object, and an unknown critical header', async () => {
    assert.equal(await reason('not-a-token'), 'id_token_malformed');
    const notClaims = await new CompactSign(new TextEncoder().encode('"a string"')).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(key.privateKey);
    assert.equal(await reason(notClaims), 'id_token_malformed');
    // jose will not sign with an unknown critical header, so the token is put together by hand.
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${encode({ alg: 'RS256', kid: 'k1', crit: ['x-unknown'], 'x-unknown': 1 })}.${encode(claims())}`;
    const crit = `${input}.${cryptoSign('sha256', Buffer.from(input), KeyObject.from(key.privateKey)).toString('base64url')}`;
    assert.equal(await reason(crit), 'id_token_malformed');
  });

  it('refuses a tenant or object id that is not a GUID, a tenant not allowed, and an issuer of another tenant', async () => {
    assert.equal(await reason(await sign(claims({ tid: 'contoso' }))), 'tid_or_oid_malformed');
    assert.equal(await reason(await sign(claims({ oid: '1234' }))), 'tid_or_oid_malformed');
    assert.equal(await reason(await sign(claims({}, OTHER_TENANT))), 'tenant_not_allowed');
    // A token of an allowed tenant carrying another tenant's issuer cannot pose as the allowed one.
    assert.equal(await reason(await sign(claims({ iss: `${HOST}/${OTHER_TENANT}/v2.0` })), multi), 'issuer_mismatch');
    assert.equal((await check(await sign(claims({}, OTHER_TENANT)), multi)).status, 'ok');
  });

  it("refuses a missing nonce, another trip's nonce of the same or another length", async () => {
    assert.equal(await reason(await sign(claims({ nonce: undefined }))), 'nonce_mismatch');
    assert.equal(await reason(await sign(claims({ nonce: 7 }))), 'nonce_mismatch');
    assert.equal(await reason(await sign(claims({ nonce: NONCE.replace('0', 'X') }))), 'nonce_mismatch');
    assert.equal(await reason(await sign(claims({ nonce: 'short' }))), 'nonce_mismatch');
  });

  it('a key set that cannot be read is thrown (Microsoft unavailable), garbage keys are a rejection', async () => {
    const down = async () => {
      throw new UpstreamUnavailableError('GET keys: no answer within 1500 ms');
    };
    await assert.rejects(checkIdToken(await sign(claims()), { settings: single, keys: down, nonce: NONCE }), UpstreamUnavailableError);
    const garbage = createSigningKeySource(async () => ({ keys: ['not a key'] }))(`${HOST}/${TENANT}/discovery/v2.0/keys`);
    const result = await checkIdToken(await sign(claims()), { settings: single, keys: garbage, nonce: NONCE });
    assert.deepEqual(result, { status: 'rejected', reason: 'signing_keys_invalid' });
  });
});

describe("Microsoft's signing keys: cached a day, re-read once for a rolled-over key", () => {
  const URI = `${HOST}/${TENANT}/discovery/v2.0/keys`;
  let first: Awaited<ReturnType<typeof rsaKey>>;
  let rolled: Awaited<ReturnType<typeof rsaKey>>;
  beforeAll(async () => {
    first = await rsaKey('old');
    rolled = await rsaKey('new');
  });

  const token = (signer: Awaited<ReturnType<typeof rsaKey>>['privateKey'], kid: string) =>
    new SignJWT(claimsNow()).setProtectedHeader({ alg: 'RS256', kid }).sign(signer);
  function claimsNow() {
    const now = Math.floor(Date.now() / 1000);
    return { iss: `${HOST}/${TENANT}/v2.0`, aud: CLIENT_ID, iat: now, exp: now + 3600, tid: TENANT, oid: OID, nonce: NONCE };
  }

  it('refuses an answer that is not a key set as an outage', async () => {
    for (const answer of [null, { keys: 'none' }, ['k']]) {
      const keysAt = createSigningKeySource(async () => answer);
      await assert.rejects(checkIdToken(await token(first.privateKey, 'old'), { settings: single, keys: keysAt(URI), nonce: NONCE }), /not a JSON Web Key Set/);
    }
  });

  it('reads the keys once, re-reads for an unknown key id only after the cool-down, and reads another URI afresh', async () => {
    let served: JWK[] = [first.jwk];
    const reads: string[] = [];
    const keysAt = createSigningKeySource(async (url) => {
      reads.push(url);
      return { keys: served };
    });
    const verify = async (raw: string, uri = URI) => checkIdToken(raw, { settings: single, keys: keysAt(uri), nonce: NONCE });
    const realNow = Date.now;
    try {
      assert.equal((await verify(await token(first.privateKey, 'old'))).status, 'ok');
      assert.equal((await verify(await token(first.privateKey, 'old'))).status, 'ok');
      assert.equal(reads.length, 1, 'the second token used the cached keys');

      // Microsoft rolls over; a token with the new kid right after the read: no second read yet.
      served = [first.jwk, rolled.jwk];
      assert.deepEqual(await verify(await token(rolled.privateKey, 'new')), { status: 'rejected', reason: 'unknown_signing_key' });
      assert.equal(reads.length, 1);

      const start = realNow();
      Date.now = () => start + 31_000;
      assert.equal((await verify(await token(rolled.privateKey, 'new'))).status, 'ok');
      assert.equal(reads.length, 2, 'the unknown kid re-read the keys once the cool-down passed');

      // A kid Microsoft still does not publish after the re-read stays refused.
      Date.now = () => start + 62_000;
      assert.deepEqual(await verify(await token(rolled.privateKey, 'never')), { status: 'rejected', reason: 'unknown_signing_key' });
      assert.equal(reads.length, 3);

      // A day later the keys are read again even for a known kid.
      Date.now = () => start + 25 * 3600 * 1000;
      assert.equal((await verify(await token(first.privateKey, 'old'))).status, 'ok');
      assert.equal(reads.length, 4);

      await verify(await token(first.privateKey, 'old'), `${HOST}/${OTHER_TENANT}/discovery/v2.0/keys`);
      assert.equal(reads.at(-1), `${HOST}/${OTHER_TENANT}/discovery/v2.0/keys`);
    } finally {
      Date.now = realNow;
    }
  });
});

describe('network client: Microsoft slow, down, oversized or not JSON is "unavailable", with the call named', () => {
  beforeAll(() => {
    nock.disableNetConnect();
  });
  afterEach(() => nock.cleanAll());
  afterAll(() => {
    nock.enableNetConnect();
  });

  it('only https, except a literal loopback stand-in', async () => {
    assert.equal(isSafeUrl('https://login.microsoftonline.com/x'), true);
    assert.equal(isSafeUrl('http://127.0.0.1:8080/x'), true);
    assert.equal(isSafeUrl('http://[::1]/x'), true);
    assert.equal(isSafeUrl('http://login.microsoftonline.com/x'), false);
    assert.equal(isSafeUrl('http://localhost.evil.test/x'), false);
    const client = createNetworkClient({ timeoutMs: 1000 });
    await assert.rejects(
      client.getJson('http://login.microsoftonline.com/keys'),
      /refusing http:\/\/login.microsoftonline.com: Microsoft endpoints must use https/,
    );
  });

  it('posts an empty body when MSAL gives none and returns status, headers and JSON', async () => {
    let received: string | undefined;
    // nock 15 hands reply functions the fetch Request.
    nock(HOST)
      .post('/t/token')
      .reply(async (request: Request) => {
        received = await request.text();
        return [400, { error: 'invalid_grant' }, { 'x-ms-request-id': 'r-1' }];
      });
    const client = createNetworkClient({ timeoutMs: 1000 });
    const answer = await client.sendPostRequestAsync(`${HOST}/t/token`);
    assert.equal(answer.status, 400);
    assert.deepEqual(answer.body, { error: 'invalid_grant' });
    assert.equal(answer.headers['x-ms-request-id'], 'r-1');
    assert.equal(received, '');
    assert.deepEqual(client.failures, []);
  });

  it('names a refused connection, a timeout, a 5xx and a 429, and records each', async () => {
    nock(HOST)
      .get('/down')
      .replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    nock(HOST)
      .get('/slow')
      .reply(async () => {
        await new Promise((resolve) => setTimeout(resolve, 600));
        return [200, {}];
      });
    nock(HOST).get('/broken').reply(503, 'Service Unavailable');
    nock(HOST).post('/busy').reply(429, { error: 'throttled' });
    const client = createNetworkClient({ timeoutMs: 200 });
    await assert.rejects(
      client.getJson(`${HOST}/down`),
      (error: Error) =>
        error instanceof UpstreamUnavailableError && /^GET login.microsoftonline.com\/down: /.test(error.message) && !/no answer/.test(error.message),
    );
    await assert.rejects(client.getJson(`${HOST}/slow`), /GET login.microsoftonline.com\/slow: no answer within 200 ms/);
    await assert.rejects(client.sendGetRequestAsync(`${HOST}/broken`), /GET login.microsoftonline.com\/broken: answered 503/);
    await assert.rejects(client.sendPostRequestAsync(`${HOST}/busy`, { body: 'a=b' }), /POST login.microsoftonline.com\/busy: answered 429/);
    assert.equal(client.failures.length, 4);
  });

  it('refuses an answer declared or found too large, and one that is not JSON', async () => {
    nock(HOST).get('/declared').reply(200, '{}', { 'content-length': '2000000' });
    nock(HOST)
      .get('/huge')
      .reply(200, `"${'a'.repeat(1_000_001)}"`);
    nock(HOST).get('/html').reply(200, '<html>Sign in</html>');
    const client = createNetworkClient({ timeoutMs: 2000 });
    await assert.rejects(client.getJson(`${HOST}/declared`), /answer of 2000000 bytes is too large/);
    await assert.rejects(client.getJson(`${HOST}/huge`), /answer of 1000003 bytes is too large/);
    await assert.rejects(client.getJson(`${HOST}/html`), /GET login.microsoftonline.com\/html: answered 200 with something other than JSON/);
    assert.equal(client.failures.length, 3);
  });

  it('getJson wants a 200: discovery answering 404 is an outage', async () => {
    nock(HOST).get('/t/v2.0/.well-known/openid-configuration').reply(404, { error: 'tenant_not_found' });
    const client = createNetworkClient({ timeoutMs: 1000 });
    await assert.rejects(
      client.getJson(`${HOST}/t/v2.0/.well-known/openid-configuration`),
      /GET login.microsoftonline.com\/t\/v2.0\/.well-known\/openid-configuration: answered 404/,
    );
    assert.equal(client.failures.length, 1);
  });
});
