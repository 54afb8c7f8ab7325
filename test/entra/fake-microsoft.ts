import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import nock from 'nock';

/**
 * Microsoft's endpoints for one or more tenants, answered by nock: discovery,
 * the signing keys, the authorize redirect (straight back to the callback
 * with a code, as if the user signed in), and the token endpoint, which
 * returns ID tokens signed by a test key. Each test says who signs in
 * (`nextUser`) and may tamper with the token (`tamper`) or the answer.
 */
export const LOGIN_HOST = 'https://login.microsoftonline.com';
export const TENANT = '11111111-1111-4111-8111-111111111111';
export const OTHER_TENANT = '22222222-2222-4222-8222-222222222222';
export const FOREIGN_TENANT = '33333333-3333-4333-8333-333333333333';
export const CLIENT_ID = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
export const CLIENT_SECRET = 'test-client-secret-value';

export interface EntraUser {
  tid: string;
  oid: string;
  email?: string;
  name?: string;
  preferred_username?: string;
  groups?: string[];
  amr?: string[];
}

export interface TokenRequest {
  body: URLSearchParams;
  /** The nonce this code was issued for (from the authorize request). */
  nonce: string;
}

type TokenAnswer = (request: TokenRequest) => { status: number; body: unknown; delayMs?: number } | undefined;

/** Microsoft's signing key for a test file: admit caches the keys it read, so every fake of one file must sign with the same. */
export async function microsoftKey() {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid: 'test-key-1', use: 'sig', alg: 'RS256' } as JWK };
}

export async function fakeMicrosoft(key?: Awaited<ReturnType<typeof microsoftKey>>) {
  const { privateKey, publicJwk } = key ?? (await microsoftKey());
  const codes = new Map<string, { user: EntraUser; nonce: string; challenge: string; redeemed: boolean }>();
  const calls = { discovery: 0, keys: 0, token: 0, authorize: 0 };
  const state = {
    nextUser: undefined as EntraUser | undefined,
    /** Changes the claims of the next ID tokens (expired, wrong nonce, foreign issuer…). */
    tamper: undefined as ((claims: Record<string, unknown>) => Record<string, unknown>) | undefined,
    /** Replaces the token endpoint's answer (5xx, delays). */
    tokenAnswer: undefined as TokenAnswer | undefined,
    signingKey: privateKey,
  };

  const discovery = (tenant: string) => ({
    issuer: `${LOGIN_HOST}/${tenant === 'organizations' ? '{tenantid}' : tenant}/v2.0`,
    authorization_endpoint: `${LOGIN_HOST}/${tenant}/oauth2/v2.0/authorize`,
    token_endpoint: `${LOGIN_HOST}/${tenant}/oauth2/v2.0/token`,
    jwks_uri: `${LOGIN_HOST}/${tenant}/discovery/v2.0/keys`,
    end_session_endpoint: `${LOGIN_HOST}/${tenant}/oauth2/v2.0/logout`,
    response_modes_supported: ['query', 'fragment', 'form_post'],
    id_token_signing_alg_values_supported: ['RS256'],
  });

  async function idTokenFor(user: EntraUser, nonce: string, audience = CLIENT_ID): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    let claims: Record<string, unknown> = {
      ver: '2.0',
      iss: `${LOGIN_HOST}/${user.tid}/v2.0`,
      aud: audience,
      iat: now,
      nbf: now,
      exp: now + 3600,
      sub: `pairwise-${user.oid}`,
      tid: user.tid,
      oid: user.oid,
      nonce,
      ...(user.email ? { email: user.email } : {}),
      ...(user.name ? { name: user.name } : {}),
      preferred_username: user.preferred_username ?? user.email,
      ...(user.groups ? { groups: user.groups } : {}),
      ...(user.amr ? { amr: user.amr } : {}),
    };
    if (state.tamper) claims = state.tamper(claims);
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'test-key-1', typ: 'JWT' }).sign(state.signingKey);
  }

  const scope = nock(LOGIN_HOST).persist();
  // nock 15 hands reply functions the fetch Request.
  scope.get(/\/[^/]+\/v2\.0\/\.well-known\/openid-configuration$/).reply((request: Request) => {
    calls.discovery += 1;
    return [200, discovery(new URL(request.url).pathname.split('/')[1]!)];
  });
  scope.get(/\/[^/]+\/discovery\/v2\.0\/keys$/).reply(() => {
    calls.keys += 1;
    return [200, { keys: [publicJwk] }];
  });
  // The browser's visit to Microsoft: the user "signs in" and is sent back with a code.
  scope
    .get(/\/[^/]+\/oauth2\/v2\.0\/authorize/)
    .query(true)
    .reply((request: Request) => {
      calls.authorize += 1;
      const query = new URL(request.url).searchParams;
      const back = new URL(query.get('redirect_uri')!);
      const user = state.nextUser;
      if (!user) {
        back.searchParams.set('error', 'access_denied');
        back.searchParams.set('error_subcode', 'cancel');
      } else {
        const code = `code-${Math.random().toString(36).slice(2)}`;
        codes.set(code, { user, nonce: query.get('nonce') ?? '', challenge: query.get('code_challenge') ?? '', redeemed: false });
        back.searchParams.set('code', code);
      }
      back.searchParams.set('state', query.get('state') ?? '');
      return [302, '', { location: back.href }];
    });
  scope
    .post(/\/[^/]+\/oauth2\/v2\.0\/token$/)
    .query(true)
    .reply(async (request: Request) => {
      calls.token += 1;
      const body = new URLSearchParams(await request.text());
      const issued = codes.get(body.get('code') ?? '');
      const custom = state.tokenAnswer?.({ body, nonce: issued?.nonce ?? '' });
      if (custom) {
        if (custom.delayMs) await new Promise((resolve) => setTimeout(resolve, custom.delayMs));
        return [custom.status, custom.body as Record<string, unknown>];
      }
      if (body.get('client_id') !== CLIENT_ID || body.get('client_secret') !== CLIENT_SECRET) {
        return [401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' }];
      }
      if (!issued || issued.redeemed) {
        return [400, { error: 'invalid_grant', error_description: 'AADSTS54005: OAuth2 Authorization code was already redeemed.', error_codes: [54005] }];
      }
      issued.redeemed = true;
      const { createHash } = await import('node:crypto');
      const challenge = createHash('sha256')
        .update(body.get('code_verifier') ?? '')
        .digest('base64url');
      if (challenge !== issued.challenge) {
        return [400, { error: 'invalid_grant', error_description: 'AADSTS501481: The Code_Verifier does not match the code_challenge.' }];
      }
      return [
        200,
        {
          token_type: 'Bearer',
          scope: 'openid profile email User.Read',
          expires_in: 3600,
          ext_expires_in: 3600,
          access_token: 'opaque-graph-token',
          id_token: await idTokenFor(issued.user, issued.nonce),
          client_info: Buffer.from(JSON.stringify({ uid: issued.user.oid, utid: issued.user.tid })).toString('base64url'),
        },
      ];
    });

  return {
    state,
    calls,
    idTokenFor,
    /** A code as if Microsoft had issued it for this nonce and PKCE challenge. */
    issueCode(user: EntraUser, nonce: string, challenge: string): string {
      const code = `code-${Math.random().toString(36).slice(2)}`;
      codes.set(code, { user, nonce, challenge, redeemed: false });
      return code;
    },
    async otherSigningKey() {
      return (await generateKeyPair('RS256')).privateKey;
    },
    stop() {
      nock.cleanAll();
    },
  };
}

export type FakeMicrosoft = Awaited<ReturnType<typeof fakeMicrosoft>>;

/** Keeps every test off the internet: only loopback (admit itself) may be reached for real. */
export function offline(): void {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
}

/** A site's `directory` block for the fake tenant, with short timeouts for tests. */
export function entraDirectory(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { kind: 'entra', tenant: TENANT, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, domains: ['contoso.test'], timeoutMs: 1500, ...overrides };
}
