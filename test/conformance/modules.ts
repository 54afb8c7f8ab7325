import { createHash, generateKeyPairSync } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLocalJWKSet, decodeJwt, jwtVerify, SignJWT } from 'jose';
import { BASIC, CALLBACK, type Client, type Module, type ModuleRun, POST, POST_LOGOUT, SINGLE } from './harness.ts';

/**
 * The OP test modules of the conformance suite's Basic, Config, RP-Initiated
 * Logout and Back-Channel Logout plans (code flow, client_secret_basic
 * unless the module says otherwise, static clients), plus
 * oidcc-ensure-redirect-uri-in-authorization-request from the Dynamic plan.
 * Each keeps the module's checks and their levels (see harness.ts).
 */
const unsignedJwt = (claims: Record<string, unknown>) =>
  `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;

const USER_INTERFACE_ERRORS = ['login_required', 'interaction_required', 'consent_required', 'account_selection_required'];

/** The standard claims a scope stands for (the suite's SCOPE_STANDARD_CLAIMS). */
const SCOPE_CLAIMS: Record<string, string[]> = {
  openid: ['sub'],
  profile: [
    'name',
    'given_name',
    'family_name',
    'middle_name',
    'nickname',
    'profile',
    'picture',
    'website',
    'gender',
    'birthdate',
    'zoneinfo',
    'locale',
    'updated_at',
    'preferred_username',
  ],
  email: ['email', 'email_verified'],
  address: ['address'],
  phone: ['phone_number', 'phone_number_verified'],
  offline_access: [],
};

/** ValidateUserInfoStandardClaims: the standard claims present have their types. */
function validateStandardClaims(run: ModuleRun, info: Record<string, unknown>) {
  const strings = [
    'sub',
    'name',
    'given_name',
    'family_name',
    'middle_name',
    'nickname',
    'preferred_username',
    'profile',
    'picture',
    'website',
    'email',
    'gender',
    'birthdate',
    'zoneinfo',
    'locale',
    'phone_number',
  ];
  for (const claim of strings) if (claim in info) run.failure(typeof info[claim] === 'string', `ValidateUserInfoStandardClaims: ${claim} is a string`);
  for (const claim of ['email_verified', 'phone_number_verified'])
    if (claim in info) run.failure(typeof info[claim] === 'boolean', `ValidateUserInfoStandardClaims: ${claim} is a boolean`);
  if ('updated_at' in info) run.failure(typeof info.updated_at === 'number', 'EnsureUserInfoUpdatedAtValid');
}

async function userinfoChecks(run: ModuleRun, accessToken: string, sub: string, mode: 'get' | 'post-header' | 'post-body' = 'get') {
  const info = await run.userinfo(accessToken, mode);
  run.failure(info.status === 200, `CallUserInfoEndpoint: 200 (got ${info.status})`);
  run.failure(info.body.sub === sub, 'VerifyUserInfoAndIdTokenInTokenEndpointSameSub');
  validateStandardClaims(run, info.body);
  return info.body;
}

/** AbstractOIDCCReturnedClaimsServerTest: skipped when a scope is not in scopes_supported, else the scope's claims in userinfo (WARNING). */
async function scopeModule(run: ModuleRun, scope: string) {
  const supported = (await run.discovery()).scopes_supported as string[];
  if (scope.split(' ').some((one) => !supported.includes(one))) return run.skip(`scopes_supported does not contain all of ${scope}`);
  const flow = await run.happyFlow({ extra: { scope } });
  const info = await userinfoChecks(run, flow.tokens.access_token, String(flow.claims.sub));
  const expected = scope.split(' ').flatMap((one) => SCOPE_CLAIMS[one] ?? []);
  const missing = expected.filter((claim) => !(claim in info));
  run.warning(missing.length === 0, `VerifyScopesReturnedInUserInfoClaims: userinfo lacks ${missing.join(', ')} of scope ${scope}`);
}

/** The end-session request as the suite sends it; the user confirms on admit's page. */
async function endSession(run: ModuleRun, params: Record<string, string | undefined>) {
  const query = new URLSearchParams(Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined));
  const browser = run.env.browser;
  const isRp = (location: URL) => location.origin !== new URL(run.env.issuer).origin;
  let { response, url } = await browser.follow(`${run.env.issuer}/session/end${query.size ? `?${query}` : ''}`, isRp);
  if (isRp(url)) return { kind: 'redirect' as const, url };
  let html = await response.text();
  if (response.status === 200 && /name="xsrf"/.test(html)) {
    const action = /<form[^>]*action="([^"]*\/session\/end\/confirm[^"]*)"/.exec(html)?.[1];
    run.failure(action, 'the logout confirmation page has its form');
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)![1]!;
    ({ response, url } = await browser.follow(new URL(action, url), isRp, { form: { xsrf, logout: 'yes' } }));
    if (isRp(url)) return { kind: 'redirect' as const, url };
    html = await response.text();
  }
  return { kind: 'page' as const, url, status: response.status, html };
}

/** After a logout the session is gone: prompt=none must need a user interface. */
async function expectLoggedOut(run: ModuleRun) {
  const sent = run.request(BASIC, { prompt: 'none' });
  const outcome = await run.authorize(sent);
  const error = run.expectErrorCallback(outcome, sent, USER_INTERFACE_ERRORS);
  run.failure(USER_INTERFACE_ERRORS.includes(error), 'CheckErrorFromAuthorizationEndpointIsOneThatRequiredAUserInterface');
}

async function signedInForLogout(run: ModuleRun) {
  const flow = await run.happyFlow();
  return { idToken: flow.tokens.id_token, claims: flow.claims, state: crypto.randomUUID() };
}

function expectPostLogoutRedirect(run: ModuleRun, outcome: Awaited<ReturnType<typeof endSession>>, state: string | undefined) {
  run.failure(
    outcome.kind === 'redirect' && outcome.url.href.startsWith(POST_LOGOUT),
    `the OP sends the user to post_logout_redirect_uri (ended at ${outcome.kind === 'page' ? `${outcome.status} ${outcome.url.pathname}` : outcome.url.href})`,
  );
  const params = outcome.url.searchParams;
  if (state === undefined) run.failure(!params.has('state'), 'CheckNoPostLogoutState');
  else run.failure(params.get('state') === state, 'CheckPostLogoutState');
  const unexpected = [...params.keys()].filter((key) => key !== 'state');
  run.warning(unexpected.length === 0, `CheckForUnexpectedParametersInPostLogoutRedirect: ${unexpected.join(', ')}`);
}

function expectLogoutErrorPage(run: ModuleRun, outcome: Awaited<ReturnType<typeof endSession>>, what: string) {
  run.failure(outcome.kind === 'page', `${what}: an error page, no redirect (went to ${outcome.kind === 'redirect' ? outcome.url.href : ''})`);
  run.failure(outcome.status >= 400, `${what}: the page is an error (status ${outcome.status})`);
}

function expectLogoutSuccessPage(run: ModuleRun, outcome: Awaited<ReturnType<typeof endSession>>) {
  run.failure(outcome.kind === 'page', 'ExpectSuccessfulLogoutPage: the OP shows its own page');
  run.failure(
    outcome.status === 200 && /signed out/i.test(outcome.html),
    `ExpectSuccessfulLogoutPage: the page says the user is signed out (status ${outcome.status})`,
  );
}

const discoveryChecks = async (run: ModuleRun) => {
  const response = await run.env.fetch(`${run.env.issuer}/.well-known/openid-configuration`);
  run.failure(response.status === 200, 'EnsureDiscoveryEndpointResponseStatusCodeIs200');
  run.failure(/^application\/json/.test(response.headers.get('content-type') ?? ''), 'CheckDiscoveryEndpointReturnedJsonContentType');
  return response.json() as Promise<Record<string, unknown>>;
};

const allEndpointsHttps = (run: ModuleRun, metadata: Record<string, unknown>) => {
  const endpoints = Object.entries(metadata).filter(([key, value]) => (key.endsWith('_endpoint') || key === 'jwks_uri') && typeof value === 'string');
  for (const [key, value] of endpoints) run.failure(String(value).startsWith('https://'), `CheckDiscEndpointAllEndpointsAreHttps: ${key}`);
};

/** Server metadata names of RFC 8414 and its registry (the suite's list of expected names). */
const KNOWN_METADATA = new Set([
  'issuer',
  'authorization_endpoint',
  'token_endpoint',
  'userinfo_endpoint',
  'jwks_uri',
  'registration_endpoint',
  'scopes_supported',
  'response_types_supported',
  'response_modes_supported',
  'grant_types_supported',
  'acr_values_supported',
  'subject_types_supported',
  'id_token_signing_alg_values_supported',
  'id_token_encryption_alg_values_supported',
  'id_token_encryption_enc_values_supported',
  'userinfo_signing_alg_values_supported',
  'userinfo_encryption_alg_values_supported',
  'userinfo_encryption_enc_values_supported',
  'request_object_signing_alg_values_supported',
  'request_object_encryption_alg_values_supported',
  'request_object_encryption_enc_values_supported',
  'token_endpoint_auth_methods_supported',
  'token_endpoint_auth_signing_alg_values_supported',
  'display_values_supported',
  'claim_types_supported',
  'claims_supported',
  'service_documentation',
  'claims_locales_supported',
  'ui_locales_supported',
  'claims_parameter_supported',
  'request_parameter_supported',
  'request_uri_parameter_supported',
  'require_request_uri_registration',
  'op_policy_uri',
  'op_tos_uri',
  'revocation_endpoint',
  'revocation_endpoint_auth_methods_supported',
  'revocation_endpoint_auth_signing_alg_values_supported',
  'introspection_endpoint',
  'introspection_endpoint_auth_methods_supported',
  'introspection_endpoint_auth_signing_alg_values_supported',
  'code_challenge_methods_supported',
  'end_session_endpoint',
  'backchannel_logout_supported',
  'backchannel_logout_session_supported',
  'frontchannel_logout_supported',
  'frontchannel_logout_session_supported',
  'check_session_iframe',
  'pushed_authorization_request_endpoint',
  'require_pushed_authorization_requests',
  'dpop_signing_alg_values_supported',
  'authorization_response_iss_parameter_supported',
  'tls_client_certificate_bound_access_tokens',
  'mtls_endpoint_aliases',
  'authorization_details_types_supported',
  'require_signed_request_object',
]);

async function codeReuse(run: ModuleRun, wait: number) {
  const flow = await run.happyFlow();
  if (wait) await sleep(wait);
  const again = await run.token(BASIC, { grant_type: 'authorization_code', code: flow.code, redirect_uri: CALLBACK });
  run.failure(again.status === 400, `CheckTokenEndpointHttpStatus400 (got ${again.status})`);
  run.failure(again.body.error === 'invalid_grant', 'CheckTokenEndpointReturnedInvalidGrant');
  const after = await run.userinfo(flow.tokens.access_token);
  // The code was used twice: the access token from its first use should die with it.
  run.warning(
    after.status >= 400 && after.status < 500,
    `EnsureHttpStatusCodeIs4xx: the first access token still works after the code was reused (${after.status})`,
  );
}

export const modules: Module[] = [
  // ---- Basic OP ----
  {
    name: 'oidcc-server',
    plan: 'basic',
    async run(run: ModuleRun) {
      const flow = await run.happyFlow();
      run.warning(flow.tokens.expires_in !== undefined, 'ExtractExpiresInFromTokenEndpointResponse: expires_in is present');
      await userinfoChecks(run, flow.tokens.access_token, String(flow.claims.sub));
    },
  },
  {
    name: 'oidcc-response-type-missing',
    plan: 'basic',
    async run(run: ModuleRun) {
      const sent = run.request(BASIC, { response_type: undefined });
      const outcome = await run.authorize(sent);
      if (outcome.kind === 'page') run.expectErrorPage(outcome, /response_type/, 'ExpectResponseTypeMissingErrorPage');
      else run.expectErrorCallback(outcome, sent, ['invalid_request', 'unsupported_response_type']);
    },
  },
  {
    name: 'oidcc-idtoken-signature',
    plan: 'basic',
    async run(run: ModuleRun) {
      const flow = await run.happyFlow();
      const header = JSON.parse(Buffer.from(flow.tokens.id_token.split('.')[0]!, 'base64url').toString()) as { alg: string; kid?: string };
      run.failure(header.kid, 'EnsureIdTokenContainsKid');
      run.failure(header.alg === 'RS256', 'EnsureIdTokenSignatureIsRS256');
    },
  },
  {
    name: 'oidcc-idtoken-unsigned',
    plan: 'basic',
    async run(run: ModuleRun) {
      const metadata = await run.discovery();
      const algs = metadata.id_token_signing_alg_values_supported as string[];
      if (!algs.includes('none')) return run.skip("id_token_signing_alg_values_supported doesn't support 'none' (acceptable for certification)");
      run.failure(false, 'admit does not advertise none');
    },
  },
  {
    name: 'oidcc-userinfo-get',
    plan: 'basic',
    async run(run: ModuleRun) {
      const flow = await run.happyFlow();
      await userinfoChecks(run, flow.tokens.access_token, String(flow.claims.sub), 'get');
    },
  },
  {
    name: 'oidcc-userinfo-post-header',
    plan: 'basic',
    async run(run: ModuleRun) {
      const flow = await run.happyFlow();
      await userinfoChecks(run, flow.tokens.access_token, String(flow.claims.sub), 'post-header');
    },
  },
  {
    name: 'oidcc-userinfo-post-body',
    plan: 'basic',
    async run(run: ModuleRun) {
      const flow = await run.happyFlow();
      const info = await run.userinfo(flow.tokens.access_token, 'post-body');
      run.warning(
        info.status === 200,
        `UserInfoEndpointWithAccessTokenInBodyNotSupported: the access token in a POST body is not accepted (${info.status}); RFC 6750 makes it optional`,
      );
      if (info.status === 200) run.failure(info.body.sub === flow.claims.sub, 'VerifyUserInfoAndIdTokenInTokenEndpointSameSub');
    },
  },
  {
    name: 'oidcc-ensure-request-without-nonce-succeeds-for-code-flow',
    plan: 'basic',
    async run(run: ModuleRun) {
      const flow = await run.happyFlow({ extra: { nonce: undefined } });
      run.failure(flow.claims.nonce === undefined, 'the ID token carries no nonce');
    },
  },
  { name: 'oidcc-scope-profile', plan: 'basic', run: (run: ModuleRun) => scopeModule(run, 'openid profile') },
  { name: 'oidcc-scope-email', plan: 'basic', run: (run: ModuleRun) => scopeModule(run, 'openid email') },
  { name: 'oidcc-scope-address', plan: 'basic', run: (run: ModuleRun) => scopeModule(run, 'openid address') },
  { name: 'oidcc-scope-phone', plan: 'basic', run: (run: ModuleRun) => scopeModule(run, 'openid phone') },
  { name: 'oidcc-scope-all', plan: 'basic', run: (run: ModuleRun) => scopeModule(run, 'openid profile email address phone') },
  {
    name: 'oidcc-alternate-happy-flow',
    plan: 'basic',
    async run(run: ModuleRun) {
      // Scope entries reversed, query parameters in another order.
      const flow = await run.happyFlow({ extra: { scope: 'email openid' }, order: ['state', 'scope', 'redirect_uri', 'nonce', 'response_type', 'client_id'] });
      await userinfoChecks(run, flow.tokens.access_token, String(flow.claims.sub));
    },
  },
  { name: 'oidcc-display-page', plan: 'basic', run: async (run: ModuleRun) => void (await run.happyFlow({ extra: { display: 'page' } })) },
  { name: 'oidcc-display-popup', plan: 'basic', run: async (run: ModuleRun) => void (await run.happyFlow({ extra: { display: 'popup' } })) },
  {
    name: 'oidcc-prompt-login',
    plan: 'basic',
    async run(run: ModuleRun) {
      const first = await run.happyFlow();
      await sleep(1000);
      const second = await run.happyFlow({ extra: { prompt: 'login' } });
      run.failure(second.sawLogin, 'ExpectSecondLoginPage: prompt=login shows the login page again');
      run.failure(first.claims.sub === second.claims.sub, 'the same user');
      if (typeof first.claims.auth_time === 'number' && typeof second.claims.auth_time === 'number') {
        run.failure(second.claims.auth_time > first.claims.auth_time, 'CheckSecondIdTokenAuthTimeIsLaterIfPresent');
      }
    },
  },
  {
    name: 'oidcc-prompt-none-not-logged-in',
    plan: 'basic',
    async run(run: ModuleRun) {
      const sent = run.request(BASIC, { prompt: 'none' });
      const outcome = await run.authorize(sent, { browser: run.env.newBrowser() });
      const error = run.expectErrorCallback(outcome, sent, USER_INTERFACE_ERRORS);
      run.failure(USER_INTERFACE_ERRORS.includes(error), 'CheckErrorFromAuthorizationEndpointIsOneThatRequiredAUserInterface');
    },
  },
  {
    name: 'oidcc-prompt-none-logged-in',
    plan: 'basic',
    async run(run: ModuleRun) {
      const first = await run.happyFlow();
      const second = await run.happyFlow({ extra: { prompt: 'none' } });
      run.failure(!second.sawLogin, 'no login page with prompt=none');
      run.failure(first.claims.sub === second.claims.sub, 'the same sub');
    },
  },
  {
    name: 'oidcc-max-age-1',
    plan: 'basic',
    async run(run: ModuleRun) {
      const first = await run.happyFlow();
      await sleep(2000);
      const second = await run.happyFlow({ extra: { max_age: '1' } });
      run.failure(second.sawLogin, 'ExpectSecondLoginPage: max_age=1 asks the user to sign in again');
      run.failure(typeof second.claims.auth_time === 'number', 'CheckIdTokenAuthTimeClaimPresentDueToMaxAge');
      if (typeof first.claims.auth_time === 'number')
        run.failure(Number(second.claims.auth_time) > first.claims.auth_time, 'CheckSecondIdTokenAuthTimeIsLaterIfPresent');
      run.failure(Math.abs(Number(second.claims.auth_time) - Date.now() / 1000) < 60, 'CheckIdTokenAuthTimeIsRecentIfPresent');
    },
  },
  {
    name: 'oidcc-max-age-10000',
    plan: 'basic',
    async run(run: ModuleRun) {
      const first = await run.happyFlow({ extra: { max_age: '15000' } });
      run.failure(typeof first.claims.auth_time === 'number', 'CheckIdTokenAuthTimeClaimPresentDueToMaxAge (first)');
      const second = await run.happyFlow({ extra: { max_age: '10000' } });
      run.failure(typeof second.claims.auth_time === 'number', 'CheckIdTokenAuthTimeClaimPresentDueToMaxAge (second)');
      run.failure(!second.sawLogin, 'a recent enough sign-in is reused');
      run.failure(second.claims.auth_time === first.claims.auth_time, 'the same authentication');
    },
  },
  {
    name: 'oidcc-ensure-request-with-unknown-parameter-succeeds',
    plan: 'basic',
    run: async (run: ModuleRun) => void (await run.happyFlow({ extra: { extra: 'foobar' } })),
  },
  {
    name: 'oidcc-id-token-hint',
    plan: 'basic',
    async run(run: ModuleRun) {
      const first = await run.happyFlow();
      const second = await run.happyFlow({ extra: { prompt: 'none', id_token_hint: first.tokens.id_token } });
      run.failure(second.claims.sub === first.claims.sub, 'the same sub as the hint');
    },
  },
  {
    name: 'oidcc-login-hint',
    plan: 'basic',
    run: async (run: ModuleRun) => void (await run.happyFlow({ extra: { login_hint: `buffy@${new URL(run.env.issuer).hostname}` } })),
  },
  { name: 'oidcc-ui-locales', plan: 'basic', run: async (run: ModuleRun) => void (await run.happyFlow({ extra: { ui_locales: 'se' } })) },
  { name: 'oidcc-claims-locales', plan: 'basic', run: async (run: ModuleRun) => void (await run.happyFlow({ extra: { claims_locales: 'se' } })) },
  {
    name: 'oidcc-ensure-request-with-acr-values-succeeds',
    plan: 'basic',
    async run(run: ModuleRun) {
      const supported = ((await run.discovery()).acr_values_supported as string[] | undefined) ?? ['1', '2'];
      const flow = await run.happyFlow({ extra: { acr_values: supported.join(' ') } });
      run.warning(
        typeof flow.claims.acr === 'string' && supported.includes(flow.claims.acr),
        `ValidateIdTokenACRClaimAgainstAcrValuesRequest (acr ${String(flow.claims.acr)})`,
      );
    },
  },
  { name: 'oidcc-codereuse', plan: 'basic', run: (run: ModuleRun) => codeReuse(run, 0) },
  { name: 'oidcc-codereuse-30seconds', plan: 'basic', run: (run: ModuleRun) => codeReuse(run, 30_000) },
  {
    name: 'oidcc-ensure-registered-redirect-uri',
    plan: 'basic',
    async run(run: ModuleRun) {
      const sent = run.request(BASIC, { redirect_uri: `${CALLBACK}/${crypto.randomUUID()}` });
      run.expectErrorPage(await run.authorize(sent), /redirect_uri/, 'ExpectRedirectUriErrorPage');
    },
  },
  {
    name: 'oidcc-ensure-post-request-succeeds',
    plan: 'basic',
    async run(run: ModuleRun) {
      const flow = await run.happyFlow({ method: 'POST' });
      run.warning(flow.outcome.kind === 'callback', 'ExpectRedirectUriHasBeenCalled');
    },
  },
  {
    name: 'oidcc-server-client-secret-post',
    plan: 'basic',
    async run(run: ModuleRun) {
      const flow = await run.happyFlow({ client: POST });
      await userinfoChecks(run, flow.tokens.access_token, String(flow.claims.sub));
    },
  },
  {
    name: 'oidcc-request-uri-unsigned-supported-correctly-or-rejected-as-unsupported',
    plan: 'basic',
    async run(run: ModuleRun) {
      const sent = run.request(BASIC);
      const outcome = await run.authorize({
        client_id: BASIC.id,
        response_type: 'code',
        scope: 'openid',
        redirect_uri: CALLBACK,
        state: sent.state!,
        request_uri: 'https://rp.conformance.test/requests/1.jwt',
      });
      if (outcome.kind === 'callback' && outcome.params.get('error') === 'request_uri_not_supported') {
        const metadata = await run.discovery();
        run.warning(
          metadata.request_uri_parameter_supported === false,
          'CheckDiscEndpointRequestUriParameterSupported: discovery says request_uri is supported',
        );
        return run.skip("the 'request_uri_not_supported' error says request_uri is not supported (permitted)");
      }
      run.failure(false, `expected success or request_uri_not_supported, got ${outcome.kind === 'callback' ? outcome.url.href : outcome.status}`);
    },
  },
  {
    name: 'oidcc-unsigned-request-object-supported-correctly-or-rejected-as-unsupported',
    plan: 'basic',
    async run(run: ModuleRun) {
      const sent = run.request(BASIC);
      const request = unsignedJwt({ ...sent, iss: BASIC.id, aud: run.env.issuer });
      const outcome = await run.authorize({ client_id: BASIC.id, response_type: 'code', scope: 'openid', redirect_uri: CALLBACK, state: sent.state!, request });
      if (outcome.kind === 'callback' && outcome.params.get('error')) {
        run.expectErrorCallback(outcome, sent, ['request_not_supported']);
        run.failure((await run.discovery()).request_parameter_supported !== true, 'a server that rejects request objects does not advertise them');
        return;
      }
      run.expectCode(outcome, sent);
    },
  },
  {
    name: 'oidcc-claims-essential',
    plan: 'basic',
    async run(run: ModuleRun) {
      const flow = await run.happyFlow({ extra: { claims: JSON.stringify({ userinfo: { name: { essential: true } } }) } });
      const info = await userinfoChecks(run, flow.tokens.access_token, String(flow.claims.sub));
      run.warning(typeof info.name === 'string', 'EnsureUserInfoContainsName');
      run.warning(!('name' in flow.claims), 'EnsureIdTokenDoesNotContainName');
    },
  },
  {
    name: 'oidcc-ensure-request-object-with-redirect-uri',
    plan: 'basic',
    async run(run: ModuleRun) {
      const sent = run.request(BASIC);
      const request = unsignedJwt({ ...sent, iss: BASIC.id, aud: run.env.issuer });
      const outcome = await run.authorize({
        client_id: BASIC.id,
        response_type: 'code',
        scope: 'openid',
        redirect_uri: `${CALLBACK}/not-registered`,
        state: sent.state!,
        request,
      });
      run.failure(!(outcome.kind === 'callback' && outcome.url.href.startsWith(CALLBACK)), 'EnsureOPDoesNotUseDefaultRedirectUriInCaseOfInvalidRedirectUri');
      run.expectErrorPage(outcome, /redirect_uri/, 'ExpectRedirectUriErrorPage');
    },
  },
  {
    name: 'oidcc-refresh-token',
    plan: 'basic',
    async run(run: ModuleRun) {
      const metadata = await run.discovery();
      const flow = await run.happyFlow({ extra: { scope: 'openid offline_access', prompt: 'consent' } });
      const refreshToken = flow.tokens.refresh_token;
      if (!refreshToken) {
        run.warning(!(metadata.grant_types_supported as string[]).includes('refresh_token'), 'EnsureServerConfigurationDoesNotSupportRefreshToken');
        return run.skip('no refresh token was issued');
      }
      run.warning((metadata.grant_types_supported as string[]).includes('refresh_token'), 'EnsureServerConfigurationSupportsRefreshToken');
      run.failure(/^[\x20-\x7e]+$/.test(refreshToken), 'EnsureRefreshTokenContainsAllowedCharactersOnly');
      const refreshed = await run.token(BASIC, { grant_type: 'refresh_token', refresh_token: refreshToken });
      run.failure(refreshed.status === 200, `the refresh succeeds (${refreshed.status} ${JSON.stringify(refreshed.body)})`);
      const body = refreshed.body as { access_token?: string; id_token?: string; refresh_token?: string };
      run.failure(body.access_token, 'CheckForAccessTokenValue after refresh');
      if (body.id_token) {
        const claims = await run.idToken(body.id_token, BASIC, flow.sent.nonce);
        run.failure(claims.sub === flow.claims.sub, 'the refreshed ID token has the same sub (OIDCC-12.2)');
        run.failure(claims.iss === flow.claims.iss, 'the refreshed ID token has the same iss');
      }
      await userinfoChecks(run, body.access_token, String(flow.claims.sub));
      // Bound to the client: another client cannot use it.
      const stolen = await run.token(POST, { grant_type: 'refresh_token', refresh_token: body.refresh_token ?? refreshToken });
      run.failure(
        stolen.status === 400 && stolen.body.error === 'invalid_grant',
        `a refresh token of another client is invalid_grant (got ${stolen.status} ${String(stolen.body.error)})`,
      );
    },
  },
  {
    name: 'oidcc-ensure-request-with-valid-pkce-succeeds',
    plan: 'basic',
    async run(run: ModuleRun) {
      const verifier = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      await run.happyFlow({ extra: { code_challenge: challenge, code_challenge_method: 'S256' }, tokenExtra: { code_verifier: verifier } });
    },
  },
  {
    name: 'oidcc-ensure-redirect-uri-in-authorization-request',
    plan: 'dynamic',
    async run(run: ModuleRun) {
      for (const client of [BASIC, SINGLE] as Client[]) {
        const sent = run.request(client, { redirect_uri: undefined });
        const outcome = await run.authorize(sent);
        run.failure(outcome.kind === 'page', `AuthorizationEndpointRedirectedBackUnexpectedly (${client.id})`);
        run.expectErrorPage(outcome, /redirect_uri/, `ExpectRedirectUriMissingErrorPage (${client.id})`);
      }
    },
  },

  // ---- Config OP ----
  {
    name: 'oidcc-discovery-endpoint-verification',
    plan: 'config',
    async run(run: ModuleRun) {
      const metadata = await discoveryChecks(run);
      run.failure(
        Array.isArray(metadata.response_types_supported) && (metadata.response_types_supported as string[]).includes('code'),
        'OIDCCCheckDiscEndpointResponseTypesSupported: code',
      );
      run.failure(metadata.issuer === run.env.issuer, 'CheckDiscEndpointIssuer');
      run.failure(
        new URL(String(metadata.issuer)).protocol === 'https:' && !String(metadata.issuer).includes('?') && !String(metadata.issuer).includes('#'),
        'CheckDiscEndpointIssuerIsValidUrl',
      );
      const unknown = Object.keys(metadata).filter((key) => !KNOWN_METADATA.has(key));
      run.warning(unknown.length === 0, `CheckForUnexpectedParametersInServerMetadata: ${unknown.join(', ')}`);
      const subjectTypes = metadata.subject_types_supported as string[];
      run.failure(
        Array.isArray(subjectTypes) && subjectTypes.every((type) => type === 'public' || type === 'pairwise'),
        'CheckDiscEndpointSubjectTypesSupported',
      );
      run.failure(
        (metadata.id_token_signing_alg_values_supported as string[]).includes('RS256'),
        'OIDCCCheckDiscEndpointIdTokenSigningAlgValuesSupported: RS256',
      );
      for (const key of ['authorization_endpoint', 'token_endpoint', 'jwks_uri']) run.failure(typeof metadata[key] === 'string', `CheckDiscEndpoint ${key}`);
      run.warning(typeof metadata.userinfo_endpoint === 'string', 'CheckDiscEndpointUserinfoEndpoint (recommended)');
      const jwks = await run.jwks();
      run.failure(jwks.keys.length > 0 && jwks.keys.every((key) => key.kty && !('d' in key)), 'ValidateServerJWKs: public keys only');
      run.warning(Array.isArray(metadata.claims_supported) && (metadata.claims_supported as string[]).includes('sub'), 'OIDCCCheckDiscEndpointClaimsSupported');
      const grants = metadata.grant_types_supported;
      if (grants !== undefined) run.failure(Array.isArray(grants) && grants.length > 0, 'OIDCCCheckDiscEndpointGrantTypesSupported');
      const scopes = metadata.scopes_supported as string[];
      run.failure(scopes.includes('openid'), 'CheckDiscEndpointScopesSupportedContainsOpenId');
      run.failure(
        scopes.every((scope) => /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope)),
        'CheckDiscEndpointScopesSupportedSyntax',
      );
      allEndpointsHttps(run, metadata);
      if (metadata.code_challenge_methods_supported !== undefined)
        run.failure(Array.isArray(metadata.code_challenge_methods_supported), 'EnsureServerConfigurationCodeChallengeMethodsSupportedIsAnArray');
    },
  },

  // ---- RP-Initiated Logout OP ----
  {
    name: 'oidcc-rp-initiated-logout-discovery-endpoint-verification',
    plan: 'rp-logout',
    async run(run: ModuleRun) {
      const metadata = await discoveryChecks(run);
      allEndpointsHttps(run, metadata);
      run.failure(typeof metadata.end_session_endpoint === 'string', 'CheckDiscEndSessionEndpoint');
    },
  },
  {
    name: 'oidcc-rp-initiated-logout',
    plan: 'rp-logout',
    async run(run: ModuleRun) {
      const { idToken, state } = await signedInForLogout(run);
      expectPostLogoutRedirect(run, await endSession(run, { id_token_hint: idToken, post_logout_redirect_uri: POST_LOGOUT, state }), state);
      await expectLoggedOut(run);
    },
  },
  {
    name: 'oidcc-rp-initiated-logout-bad-post-logout-redirect-uri',
    plan: 'rp-logout',
    async run(run: ModuleRun) {
      const { idToken, state } = await signedInForLogout(run);
      expectLogoutErrorPage(
        run,
        await endSession(run, { id_token_hint: idToken, post_logout_redirect_uri: 'https://rp.conformance.test/not-registered', state }),
        'ExpectPostLogoutRedirectUriNotRegisteredErrorPage',
      );
      await run.signOut();
    },
  },
  {
    name: 'oidcc-rp-initiated-logout-modified-id-token-hint',
    plan: 'rp-logout',
    async run(run: ModuleRun) {
      const { idToken, state } = await signedInForLogout(run);
      const [, payload] = idToken.split('.');
      const algNone = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${payload}.`;
      expectLogoutErrorPage(
        run,
        await endSession(run, { id_token_hint: algNone, post_logout_redirect_uri: POST_LOGOUT, state }),
        'ExpectInvalidIdTokenHintErrorPage',
      );
      await run.signOut();
    },
  },
  {
    name: 'oidcc-rp-initiated-logout-no-id-token-hint',
    plan: 'rp-logout',
    async run(run: ModuleRun) {
      const { state } = await signedInForLogout(run);
      // "must not redirect back and must either show an error screen or confirm with the user": admit confirms, then signs out.
      const outcome = await endSession(run, { post_logout_redirect_uri: POST_LOGOUT, state });
      run.failure(
        outcome.kind === 'page',
        `ExpectIdTokenHintRequiredErrorPage: no redirect to post_logout_redirect_uri without id_token_hint (went to ${outcome.kind === 'redirect' ? outcome.url.href : ''})`,
      );
      await run.signOut();
    },
  },
  {
    name: 'oidcc-rp-initiated-logout-no-params',
    plan: 'rp-logout',
    async run(run: ModuleRun) {
      await signedInForLogout(run);
      expectLogoutSuccessPage(run, await endSession(run, {}));
      await expectLoggedOut(run);
    },
  },
  {
    name: 'oidcc-rp-initiated-logout-no-post-logout-redirect-uri',
    plan: 'rp-logout',
    async run(run: ModuleRun) {
      const { idToken, state } = await signedInForLogout(run);
      expectLogoutSuccessPage(run, await endSession(run, { id_token_hint: idToken, state }));
      await expectLoggedOut(run);
    },
  },
  {
    name: 'oidcc-rp-initiated-logout-no-state',
    plan: 'rp-logout',
    async run(run: ModuleRun) {
      const { idToken } = await signedInForLogout(run);
      expectPostLogoutRedirect(run, await endSession(run, { id_token_hint: idToken, post_logout_redirect_uri: POST_LOGOUT }), undefined);
      await expectLoggedOut(run);
    },
  },
  {
    name: 'oidcc-rp-initiated-logout-only-state',
    plan: 'rp-logout',
    async run(run: ModuleRun) {
      const { state } = await signedInForLogout(run);
      expectLogoutSuccessPage(run, await endSession(run, { state }));
      await expectLoggedOut(run);
    },
  },
  {
    name: 'oidcc-rp-initiated-logout-query-added-to-post-logout-redirect-uri',
    plan: 'rp-logout',
    async run(run: ModuleRun) {
      const { idToken, state } = await signedInForLogout(run);
      expectLogoutErrorPage(
        run,
        await endSession(run, { id_token_hint: idToken, post_logout_redirect_uri: `${POST_LOGOUT}?foo=bar`, state }),
        'ExpectPostLogoutRedirectUriNotRegisteredErrorPage',
      );
      await run.signOut();
    },
  },
  {
    name: 'oidcc-rp-initiated-logout-bad-id-token-hint',
    plan: 'rp-logout',
    async run(run: ModuleRun) {
      const { claims, state } = await signedInForLogout(run);
      // An ID token the suite signed with its own key, claiming admit as issuer.
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const fake = await new SignJWT({ sub: claims.sub, nonce: 'n' })
        .setProtectedHeader({ alg: 'RS256', kid: 'suite' })
        .setIssuer(run.env.issuer)
        .setAudience(BASIC.id)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
      expectLogoutErrorPage(
        run,
        await endSession(run, { id_token_hint: fake, post_logout_redirect_uri: POST_LOGOUT, state }),
        'ExpectInvalidIdTokenHintErrorPage',
      );
      await run.signOut();
    },
  },

  // ---- Back-Channel Logout OP ----
  {
    name: 'oidcc-backchannel-logout-discovery-endpoint-verification',
    plan: 'backchannel',
    async run(run: ModuleRun) {
      const metadata = await discoveryChecks(run);
      allEndpointsHttps(run, metadata);
      run.failure(metadata.backchannel_logout_supported === true, 'CheckDiscEndpointBackchannelLogoutSupported');
      run.failure(metadata.backchannel_logout_session_supported === true, 'CheckDiscEndpointBackchannelLogoutSessionSupported');
      run.failure(typeof metadata.end_session_endpoint === 'string', 'CheckDiscEndSessionEndpoint');
    },
  },
  {
    name: 'oidcc-backchannel-rp-initiated-logout',
    plan: 'backchannel',
    async run(run: ModuleRun) {
      const { idToken, claims, state } = await signedInForLogout(run);
      run.env.receiver.tokens.length = 0;
      expectPostLogoutRedirect(run, await endSession(run, { id_token_hint: idToken, post_logout_redirect_uri: POST_LOGOUT, state }), state);
      run.failure(run.env.receiver.tokens.length === 1, `the OP called the backchannel_logout_uri once (${run.env.receiver.tokens.length})`);
      const logoutToken = run.env.receiver.tokens[0]!;
      const jwks = await run.jwks();
      const verified = await jwtVerify(logoutToken, createLocalJWKSet(jwks), { issuer: run.env.issuer, audience: BASIC.id }).catch((error: Error) => error);
      run.failure(
        !(verified instanceof Error),
        `ValidateLogoutTokenSignature / ValidateLogoutTokenClaims: ${verified instanceof Error ? verified.message : ''}`,
      );
      const { payload } = verified;
      run.failure(typeof payload.iat === 'number' && Math.abs(payload.iat - Date.now() / 1000) < 300, 'ValidateLogoutTokenClaims: iat');
      run.failure(typeof payload.jti === 'string', 'ValidateLogoutTokenClaims: jti');
      const events = payload.events as Record<string, unknown> | undefined;
      run.failure(
        events && typeof events['http://schemas.openid.net/event/backchannel-logout'] === 'object',
        'ValidateLogoutTokenClaims: the back-channel logout event',
      );
      run.failure(payload.sub !== undefined || payload.sid !== undefined, 'CheckLogoutTokenHasSubOrSid');
      run.failure(!('nonce' in payload), 'CheckLogoutTokenNoNonce');
      if (payload.sub !== undefined) run.failure(payload.sub === claims.sub, 'CheckIdTokenSubMatchesLogoutToken');
      if (claims.sid !== undefined) run.failure(payload.sid === claims.sid, 'CheckIdTokenSidMatchesLogoutToken');
      run.failure(decodeJwt(logoutToken).exp === undefined || Number(decodeJwt(logoutToken).exp) > Date.now() / 1000, 'the logout token has not expired');
      await expectLoggedOut(run);
    },
  },
];
