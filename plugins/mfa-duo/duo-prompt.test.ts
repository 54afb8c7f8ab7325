import assert from 'node:assert/strict';
import { jwtVerify, SignJWT } from 'jose';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, it } from 'vitest';
import { duoSettingsSchema } from '../../src/kit/index.ts';
import { amrOfDuoFactor, createDuoPrompt } from './duo-prompt.ts';

const HOST = 'api-5678efgh.duosecurity.com';
const SECRET = 'unit-duo-secret-0123456789abcdefghijklmn';
const settings = (extra: Record<string, unknown> = {}) =>
  duoSettingsSchema.parse({ clientId: 'DIUNITTESTCLIENT0001', clientSecret: SECRET, apiHost: HOST, timeoutMs: 500, ...extra });
const REDIRECT = 'https://admit.example/interaction/abc/mfa/duo';
const key = new TextEncoder().encode(SECRET);

const idToken = (claims: Record<string, unknown>, secret: Uint8Array<ArrayBuffer> = key) => {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    preferred_username: 'ann',
    auth_result: { status: 'allow', status_msg: 'Login Successful' },
    auth_context: { factor: 'Duo Push' },
    ...claims,
  })
    .setProtectedHeader({ alg: 'HS512' })
    .setIssuer(`https://${HOST}/oauth/v1/token`)
    .setAudience('DIUNITTESTCLIENT0001')
    .setIssuedAt(now)
    .setExpirationTime(now + 300)
    .sign(secret);
};
const tokenReply = async (claims: Record<string, unknown>, secret?: Uint8Array<ArrayBuffer>) => ({
  id_token: await idToken(claims, secret),
  access_token: 'a',
  expires_in: 300,
  token_type: 'Bearer',
});

describe('Duo Universal Prompt client (Duo SDK, nock)', () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());

  it('validates its settings with messages that name the field', () => {
    const parsed = duoSettingsSchema.safeParse({ clientId: 'short', clientSecret: 'x', apiHost: 'https://api.example' });
    assert.equal(parsed.success, false);
    const paths = parsed.error!.issues.map((issue) => issue.path.join('.'));
    assert.deepEqual(paths.sort(), ['apiHost', 'clientId', 'clientSecret']);
    assert.equal(settings().failMode, 'closed', 'fail closed unless the site says otherwise');
  });

  it("reports health from Duo's health check, reuses the answer for healthCacheSeconds, and treats errors as down", async () => {
    const scope = nock(`https://${HOST}`)
      .post('/oauth/v1/health_check')
      .reply(200, { stat: 'OK', response: { timestamp: 1 } });
    const prompt = createDuoPrompt(settings({ healthCacheSeconds: 60 }));
    assert.equal(await prompt.healthy(), true);
    assert.equal(await prompt.healthy(), true, 'answered from the cache: nock would refuse a second call');
    scope.done();
    nock(`https://${HOST}`).post('/oauth/v1/health_check').reply(200, { stat: 'FAIL', message: 'down', message_detail: 'maintenance' });
    assert.equal(await createDuoPrompt(settings({ healthCacheSeconds: 0 })).healthy(), false);
    nock(`https://${HOST}`).post('/oauth/v1/health_check').replyWithError('connection reset');
    assert.equal(await createDuoPrompt(settings({ healthCacheSeconds: 0 })).healthy(), false);
  });

  it('gives up on a Duo that does not answer, at the configured deadline', async () => {
    nock(`https://${HOST}`)
      .post('/oauth/v1/health_check')
      .delay(5000)
      .reply(200, { stat: 'OK', response: { timestamp: 1 } });
    const started = Date.now();
    assert.equal(await createDuoPrompt(settings({ timeoutMs: 500, healthCacheSeconds: 0 })).healthy(), false);
    assert.ok(Date.now() - started < 4000, 'the 5-second answer was not awaited');
    nock(`https://${HOST}`).post('/oauth/v1/token').delay(5000).reply(200, {});
    const outcome = await createDuoPrompt(settings({ timeoutMs: 500 })).exchange({ code: 'c', username: 'ann', redirectUrl: REDIRECT });
    assert.equal(outcome.status, 'error');
  });

  it('builds the prompt URL with a request signed by the client secret, carrying user, state and the return URL', async () => {
    const prompt = createDuoPrompt(settings());
    const state = prompt.newState();
    const url = new URL(await prompt.authUrl({ username: 'ann', state, redirectUrl: REDIRECT }));
    assert.equal(url.origin, `https://${HOST}`);
    assert.equal(url.pathname, '/oauth/v1/authorize');
    const { payload } = await jwtVerify(url.searchParams.get('request')!, key, { algorithms: ['HS512'] });
    assert.equal(payload.duo_uname, 'ann');
    assert.equal(payload.state, state);
    assert.equal(payload.redirect_uri, REDIRECT);
    assert.notEqual(prompt.newState(), state);
  });

  it("exchanges a code: allow with its factor, deny with Duo's reason, and errors for a wrong signature or another user", async () => {
    const prompt = createDuoPrompt(settings());
    let sent = new URLSearchParams();
    nock(`https://${HOST}`)
      .post('/oauth/v1/token', (body) => {
        sent = new URLSearchParams(body as string);
        return true;
      })
      .reply(200, await tokenReply({ auth_context: { factor: 'phone_call' } }));
    assert.deepEqual(await prompt.exchange({ code: 'code-1', username: 'ann', redirectUrl: REDIRECT }), { status: 'allow', factor: 'phone_call' });
    assert.equal(sent.get('code'), 'code-1');
    assert.equal(sent.get('redirect_uri'), REDIRECT);

    nock(`https://${HOST}`)
      .post('/oauth/v1/token')
      .reply(200, await tokenReply({ auth_result: { status: 'deny', status_msg: 'User mistake' } }));
    assert.deepEqual(await prompt.exchange({ code: 'c', username: 'ann', redirectUrl: REDIRECT }), { status: 'deny', reason: 'User mistake' });

    nock(`https://${HOST}`)
      .post('/oauth/v1/token')
      .reply(200, await tokenReply({}, new TextEncoder().encode('another-secret-0123456789abcdefghijklmno')));
    assert.equal((await prompt.exchange({ code: 'c', username: 'ann', redirectUrl: REDIRECT })).status, 'error');

    nock(`https://${HOST}`)
      .post('/oauth/v1/token')
      .reply(200, await tokenReply({ preferred_username: 'mallory' }));
    assert.equal((await prompt.exchange({ code: 'c', username: 'ann', redirectUrl: REDIRECT })).status, 'error');

    nock(`https://${HOST}`).post('/oauth/v1/token').reply(400, { error: 'invalid_grant', error_description: 'The code is invalid' });
    assert.equal((await prompt.exchange({ code: 'c', username: 'ann', redirectUrl: REDIRECT })).status, 'error');
  });

  it('names the amr of each factor Duo reports, and none when Duo asked for nothing', () => {
    const cases: [string, string | undefined][] = [
      ['Duo Push', 'swk'],
      ['duo_push', 'swk'],
      ['verified_duo_push', 'swk'],
      ['phone_call', 'tel'],
      ['sms_passcode', 'sms'],
      ['passcode', 'otp'],
      ['duo_mobile_passcode', 'otp'],
      ['hardware_token', 'otp'],
      ['yubikey_code', 'otp'],
      ['bypass_code', 'otp'],
      ['WebAuthn Security Key', 'hwk'],
      ['u2f_token', 'hwk'],
      ['remembered_device', undefined],
      ['trusted_network', undefined],
      ['not_available', undefined],
      ['', undefined],
    ];
    for (const [factor, amr] of cases) assert.equal(amrOfDuoFactor(factor), amr, factor);
  });
});
