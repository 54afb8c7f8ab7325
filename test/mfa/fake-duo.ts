import { randomBytes } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import nock from 'nock';

export const DUO_HOST = 'api-1234abcd.duosecurity.com';
export const DUO_CLIENT_ID = 'DIABCDEFGHIJKLMNOPQR';
export const DUO_SECRET = 'duo-client-secret-0123456789abcdefghijkl';
const key = new TextEncoder().encode(DUO_SECRET);

/** What Duo's prompt does for a user: approve with a factor, or deny. */
export type DuoVerdict = { status: 'allow'; factor: string } | { status: 'deny'; message?: string };

/** The `mfa.duo` settings of a site talking to this fake. */
export const duoSettings = (extra: Record<string, unknown> = {}) => ({
  clientId: DUO_CLIENT_ID,
  clientSecret: DUO_SECRET,
  apiHost: DUO_HOST,
  timeoutMs: 1000,
  healthCacheSeconds: 0,
  ...extra,
});

/**
 * Duo's OIDC endpoints, answered by nock in the test process (admit talks
 * to Duo from there): the health check, the prompt (which, instead of asking
 * a person, decides by `verdicts`), and the token endpoint with an id_token
 * signed as Duo signs it (HS512 with the client secret). Codes are single
 * use. nock 15 hands reply functions the request as a fetch Request.
 */
export function fakeDuo() {
  const verdicts = new Map<string, DuoVerdict>();
  const codes = new Map<string, { username: string; redirectUri: string; verdict: DuoVerdict }>();
  const seen = { health: 0, token: 0, prompts: [] as Record<string, unknown>[] };
  let healthy = true;
  let tokenUser: string | undefined;

  /** The prompt: checks the signed request and sends the browser back with a code. */
  async function prompt(url: URL): Promise<string> {
    const request = url.searchParams.get('request') ?? '';
    const { payload } = await jwtVerify(request, key, { algorithms: ['HS512'], issuer: DUO_CLIENT_ID, audience: `https://${DUO_HOST}` });
    seen.prompts.push(payload);
    const username = String(payload.duo_uname);
    const redirectUri = String(payload.redirect_uri);
    const code = randomBytes(16).toString('hex');
    codes.set(code, { username, redirectUri, verdict: verdicts.get(username) ?? { status: 'allow', factor: 'Duo Push' } });
    const back = new URL(redirectUri);
    back.searchParams.set('duo_code', code);
    back.searchParams.set('state', String(payload.state));
    return back.href;
  }

  async function idToken(username: string, verdict: DuoVerdict) {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      preferred_username: tokenUser ?? username,
      auth_time: now,
      auth_result:
        verdict.status === 'allow'
          ? { result: 'allow', status: 'allow', status_msg: 'Login Successful' }
          : { result: 'deny', status: 'deny', status_msg: verdict.message ?? 'Login Denied' },
      auth_context: {
        factor: verdict.status === 'allow' ? verdict.factor : 'not_available',
        result: verdict.status === 'allow' ? 'success' : 'denied',
        user: { name: username },
      },
    })
      .setProtectedHeader({ alg: 'HS512' })
      .setIssuer(`https://${DUO_HOST}/oauth/v1/token`)
      .setAudience(DUO_CLIENT_ID)
      .setSubject(username)
      .setIssuedAt(now)
      .setExpirationTime(now + 300)
      .sign(key);
  }

  const scope = nock(`https://${DUO_HOST}`)
    .persist()
    .post('/oauth/v1/health_check')
    .reply(() => {
      seen.health += 1;
      return healthy
        ? [200, { stat: 'OK', response: { timestamp: Math.floor(Date.now() / 1000) } }]
        : [503, { stat: 'FAIL', code: 50301, message: 'Service unavailable', message_detail: 'maintenance' }];
    })
    .get('/oauth/v1/authorize')
    .query(true)
    .reply(async (request: Request) => [302, '', { location: await prompt(new URL(request.url)) }])
    .post('/oauth/v1/token')
    .reply(async (request: Request) => {
      seen.token += 1;
      const form = new URLSearchParams(await request.text());
      const entry = codes.get(form.get('code') ?? '');
      if (!entry || entry.redirectUri !== form.get('redirect_uri')) return [400, { error: 'invalid_grant', error_description: 'The code is invalid' }];
      codes.delete(form.get('code')!);
      return [200, { id_token: await idToken(entry.username, entry.verdict), access_token: 'duo-access', expires_in: 300, token_type: 'Bearer' }];
    });

  return {
    seen,
    prompt,
    verdict(username: string, verdict: DuoVerdict) {
      verdicts.set(username, verdict);
    },
    setHealthy(value: boolean) {
      healthy = value;
    },
    /** Duo's token names another user than the one admit sent (a swapped code). */
    answerAs(username: string | undefined) {
      tokenUser = username;
    },
    stop() {
      scope.persist(false);
      nock.cleanAll();
    },
  };
}

export type FakeDuo = ReturnType<typeof fakeDuo>;
