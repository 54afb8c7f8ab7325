import assert from 'node:assert/strict';
import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, type JWTPayload, jwtVerify } from 'jose';
import type { TestContext } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { totpCode } from '../../plugins/mfa-totp/totp.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { newDeviceId } from '../../src/services/mfa/devices.ts';
import { startLogoutReceiver } from '../oidc/relying-party.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, formAction, inputValue } from '../support/form-browser.ts';

/**
 * The OpenID Foundation conformance suite's OP test modules, ported as
 * black-box checks: each module drives admit's real sign-in pages through a
 * browser that keeps its cookies from module to module (as the tester's
 * browser does), and reports the suite's two levels: a FAILURE fails the
 * test, a WARNING is recorded (a test diagnostic, and the module's result
 * WARN) and the module goes on.
 *
 * admit is announced at an https issuer, as behind the TLS-terminating proxy
 * a deployment has (the suite requires https endpoints); the harness plays
 * that proxy: it sends each request to admit's plain-http port with
 * `X-Forwarded-Proto: https`.
 */
export const CALLBACK = 'https://rp.conformance.test/callback';
export const CALLBACK_2 = 'https://rp.conformance.test/callback-2';
export const POST_LOGOUT = 'https://rp.conformance.test/logged-out';
export const SECRET = 'conformance-secret-0123456789-0123456789';
export const PASSWORD = 'Conform#Ance2026';

export interface Client {
  id: string;
  secret: string;
  auth: 'client_secret_basic' | 'client_secret_post';
}
export const BASIC: Client = { id: 'conformance', secret: SECRET, auth: 'client_secret_basic' };
export const POST: Client = { id: 'conformance-post', secret: SECRET, auth: 'client_secret_post' };
export const SINGLE: Client = { id: 'conformance-single', secret: SECRET, auth: 'client_secret_basic' };

export type Result = 'PASS' | 'WARN' | 'FAIL' | 'SKIP';

/** The TLS-terminating proxy in front of admit: https issuer URLs go to the http port. */
function toAdmit(url: string | URL, issuer: string, port: number): URL {
  const target = new URL(url);
  if (target.origin === new URL(issuer).origin) return new URL(`http://127.0.0.1:${port}${target.pathname}${target.search}`);
  return target;
}

/** What the proxy adds: the scheme and host the browser used (nginx's X-Forwarded-Proto, and Host as X-Forwarded-Host). */
const proxyHeaders = (issuer: string) => ({ 'x-forwarded-proto': 'https', 'x-forwarded-host': new URL(issuer).host });

/** A browser in front of the proxy: cookies per origin, redirects stop at the relying party's URLs. */
export class ProxiedBrowser extends FormBrowser {
  private readonly issuer: string;
  private readonly port: number;
  constructor(issuer: string, port: number) {
    super();
    this.issuer = issuer;
    this.port = port;
  }
  override request(url: string | URL, init: Parameters<FormBrowser['request']>[1] = {}): Promise<Response> {
    return super.request(toAdmit(url, this.issuer, this.port), { ...init, headers: { ...proxyHeaders(this.issuer), ...init.headers } });
  }
}

export interface Environment {
  name: string;
  running: RunningAdmit;
  issuer: string;
  /** The tester's browser: kept across modules. */
  browser: ProxiedBrowser;
  newBrowser(): ProxiedBrowser;
  site: string;
  username: string;
  receiver: Awaited<ReturnType<typeof startLogoutReceiver>>;
  /** The site asks for an authenticator-app code (the account has one), and "Trust this browser" is ticked. */
  totpSecret?: string;
  fetch(url: string | URL, init?: RequestInit): Promise<Response>;
  results: Map<string, Result>;
  /** Authenticator codes the harness typed (a sanity check that the MFA site asked for them). */
  totpCodesTyped: number;
  stop(): Promise<void>;
}

/**
 * admit on the given store (SQLite when omitted), with the suite's three
 * static clients (third-party, so consent is shown as the suite expects) and
 * one user; `mfa` makes the user's site require TOTP.
 */
export async function startEnvironment(name: string, options: { store?: string; mfa?: boolean } = {}): Promise<Environment> {
  const receiver = await startLogoutReceiver();
  const common = {
    client_secret: SECRET,
    post_logout_redirect_uris: [POST_LOGOUT],
    grant_types: ['authorization_code', 'refresh_token'],
    backchannel_logout_uri: receiver.url,
    pkce_required: false,
  };
  const site = options.mfa
    ? {
        id: 'MFA',
        displayName: 'Conformance (MFA)',
        directory: { kind: 'local' },
        signIn: { changePasswordAtFirstSignIn: false },
        mfa: { required: true, methods: ['totp'], recoveryCodes: false },
      }
    : { id: 'DEMO', displayName: 'Conformance', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false } };
  const running = await startAdmit({
    store: options.store,
    issuer: 'https://op.conformance.test',
    config: {
      server: { trustProxy: true, allowLoopbackRequests: true },
      sites: [site],
      clients: [
        { client_id: BASIC.id, client_name: 'Conformance RP', redirect_uris: [CALLBACK, CALLBACK_2], ...common },
        { client_id: POST.id, client_name: 'Conformance RP (post)', token_endpoint_auth_method: 'client_secret_post', redirect_uris: [CALLBACK], ...common },
        { client_id: SINGLE.id, client_name: 'Conformance RP (one URI)', redirect_uris: [CALLBACK], ...common },
      ],
    },
  });
  const { issuer, port } = running;
  const username = 'buffy';
  const directory = createLocalDirectory({ store: running.admit.store, siteId: site.id });
  await directory.addUser({ username, password: PASSWORD, name: 'Buffy Summers', email: 'buffy@conformance.test', phoneNumber: '+15035550123' });
  const user = (await directory.findUser(username))!;
  const accounts = createAccountService({ store: running.admit.store });
  const account = await accounts.linkOrCreate(site.id, 'local', { externalId: user.id, username, email: user.email, groups: [] });
  // The phone is proved (as Self Update does), so the phone scope has phone_number_verified: true.
  await accounts.save({ ...account, phoneNumber: '+15035550123', selfUpdated: { phoneNumber: '+15035550123' } });
  let totpSecret: string | undefined;
  if (options.mfa) {
    const who = (await running.admit.mfa.subject(account.id))!;
    const secret = running.admit.mfa.enrollment.newTotpSecret(who);
    const device = {
      id: newDeviceId(),
      type: 'tablet' as const,
      name: 'Authenticator',
      totp: { sealedSecret: secret.sealed },
      createdAt: new Date().toISOString(),
    };
    await running.admit.mfa.manage.add(undefined, who, device as never, { verifiedAt: Date.now() });
    totpSecret = secret.secret;
  }
  const newBrowser = () => new ProxiedBrowser(issuer, port);
  return {
    name,
    running,
    issuer,
    browser: newBrowser(),
    newBrowser,
    site: site.id,
    username,
    receiver,
    totpSecret,
    fetch: (url, init = {}) =>
      fetch(toAdmit(url, issuer, port), {
        ...init,
        redirect: 'manual',
        headers: { ...proxyHeaders(issuer), ...(init.headers as Record<string, string> | undefined) },
      }),
    results: new Map(),
    totpCodesTyped: 0,
    async stop() {
      await running.stop();
      await receiver.close();
    },
  };
}

/** What the authorization endpoint did: sent the browser back to the client, or showed a page. */
export type Outcome =
  | { kind: 'callback'; url: URL; params: URLSearchParams; sawLogin: boolean }
  | { kind: 'page'; url: URL; status: number; html: string; sawLogin: boolean };

/** One run of one module: its checks, at the suite's levels. */
export class ModuleRun {
  readonly warnings: string[] = [];
  skipped?: string;
  private usedTotpSteps = new Set<number>();

  readonly t: TestContext;
  readonly env: Environment;
  constructor(t: TestContext, env: Environment) {
    this.t = t;
    this.env = env;
  }

  /** FAILURE: the module fails. */
  failure(condition: unknown, message: string): asserts condition {
    assert.ok(condition, `FAILURE: ${message}`);
  }

  /** WARNING: recorded, and the module continues. */
  warning(condition: unknown, message: string): void {
    if (condition) return;
    this.warnings.push(message);
    console.log(`WARNING: ${message}`);
  }

  skip(reason: string): void {
    this.skipped = reason;
    console.log(`SKIPPED: ${reason}`);
  }

  async discovery(): Promise<Record<string, unknown>> {
    const response = await this.env.fetch(`${this.env.issuer}/.well-known/openid-configuration`);
    this.failure(response.status === 200, 'the discovery endpoint answers 200');
    return response.json() as Promise<Record<string, unknown>>;
  }

  async jwks(): Promise<JSONWebKeySet> {
    const response = await this.env.fetch(`${this.env.issuer}/jwks`);
    this.failure(response.status === 200, 'the jwks_uri answers 200');
    return response.json() as Promise<JSONWebKeySet>;
  }

  /** The authorization request as the suite builds it: code flow, state, nonce, scope openid. */
  request(client: Client = BASIC, extra: Record<string, string | undefined> = {}): Record<string, string> {
    const all: Record<string, string | undefined> = {
      client_id: client.id,
      redirect_uri: CALLBACK,
      response_type: 'code',
      scope: 'openid',
      state: crypto.randomUUID(),
      nonce: crypto.randomUUID(),
      ...extra,
    };
    return Object.fromEntries(Object.entries(all).filter((entry): entry is [string, string] => entry[1] !== undefined));
  }

  /**
   * Sends the user agent to the authorization endpoint (GET, or a form POST)
   * and does what the user does on admit's pages: sign in (password, then the
   * authenticator code on the MFA site, trusting the browser), allow access.
   */
  async authorize(
    params: Record<string, string>,
    options: { method?: 'GET' | 'POST'; browser?: ProxiedBrowser; signIn?: boolean; order?: string[] } = {},
  ): Promise<Outcome> {
    const browser = options.browser ?? this.env.browser;
    const isRp = (location: URL) => location.origin === new URL(CALLBACK).origin || location.origin !== new URL(this.env.issuer).origin;
    const query = options.order ? new URLSearchParams(options.order.map((key) => [key, params[key]!] as [string, string])) : new URLSearchParams(params);
    let step =
      options.method === 'POST'
        ? await browser.follow(`${this.env.issuer}/auth`, isRp, { form: params })
        : await browser.follow(`${this.env.issuer}/auth?${query}`, isRp);
    let sawLogin = false;
    const seen: string[] = [];
    for (let pages = 0; pages < 20; pages += 1) {
      seen.push(step.url.pathname);
      if (isRp(step.url)) {
        await step.response.body?.cancel();
        return { kind: 'callback', url: step.url, params: step.url.searchParams, sawLogin };
      }
      const html = await step.response.text();
      const status = step.response.status;
      const at = step.url;
      const form = (action: string) => new URL(formAction(html, action), at);
      if (status === 200 && html.includes('/login"') && /name="username"/.test(html)) {
        if (options.signIn === false) return { kind: 'page', url: at, status, html, sawLogin: true };
        sawLogin = true;
        step = await browser.follow(form('/login'), isRp, {
          form: { _csrf: inputValue(html, '_csrf'), username: this.env.username, password: PASSWORD, site: this.env.site },
        });
      } else if (status === 200 && /action="[^"]*\/mfa\/[a-z-]+"/.test(html)) {
        step = await this.mfaPage(browser, html, at, isRp);
      } else if (status === 200 && /action="[^"]*\/consent"/.test(html) && /Allow access/.test(html)) {
        step = await browser.follow(form('/consent'), isRp, { form: { _csrf: inputValue(html, '_csrf') } });
      } else {
        return { kind: 'page', url: at, status, html, sawLogin };
      }
    }
    throw new Error(`the sign-in did not end: ${seen.join(' → ')}`);
  }

  /**
   * One page of admit's MFA step, answered as the user does: enroll an
   * authenticator app (a tablet) when asked to set one up, reading the key
   * from the activation page; skip recovery codes; pick "Passcode" and type
   * the app's code; tick "Trust this browser" wherever it is offered.
   */
  private async mfaPage(browser: ProxiedBrowser, html: string, at: URL, isRp: (location: URL) => boolean) {
    const page = /action="[^"]*\/mfa\/([a-z-]+)"/.exec(html)![1]!;
    const csrf = inputValue(html, '_csrf');
    const trust = { trustShown: '1', trust: 'on' };
    const fields: Record<string, Record<string, string> | undefined> = {
      start: trust,
      device: { type: 'tablet', action: 'continue' },
      'phone-type': { platform: 'other' },
      app: { action: 'continue' },
      recovery: { action: 'skip' },
      settings: { action: 'continue', ...trust },
    };
    let form = fields[page];
    if (page === 'activate') {
      const key = /id="manual-key">([^<]+)</.exec(html)?.[1]?.replace(/\s+/g, '');
      this.failure(key, 'the activation page shows the key');
      this.env.totpSecret = key;
      form = { code: await this.totp() };
    } else if (page === 'choose') {
      const method = /<button[^>]*value="([^"]*)"[^>]*>Passcode<\/button>/.exec(html)?.[1];
      this.failure(method, 'the MFA page offers the authenticator passcode');
      form = { method, ...trust };
    } else if (page === 'code') {
      form = { action: 'verify', code: await this.totp(), ...trust };
    }
    this.failure(form, `an MFA page the harness knows (${page})`);
    return browser.follow(new URL(formAction(html, `/mfa/${page}`), at), isRp, { form: { _csrf: csrf, ...form } });
  }

  /** An authenticator code for a time step this run has not used (the server refuses a replay). */
  private async totp(): Promise<string> {
    const secret = this.env.totpSecret;
    this.failure(secret, 'the MFA site asked for a code and the account has an authenticator');
    for (;;) {
      const now = Date.now();
      const current = Math.floor(now / 30_000);
      const last = Math.max(-1, ...this.usedTotpSteps, ...(usedSteps.get(secret) ?? []));
      // Never the previous step: refused once a step boundary passes before the server checks it.
      const stepNumber = [current, current + 1].find((candidate) => candidate > last);
      if (stepNumber !== undefined) {
        this.usedTotpSteps.add(stepNumber);
        this.env.totpCodesTyped += 1;
        usedSteps.set(secret, [...(usedSteps.get(secret) ?? []), stepNumber]);
        return totpCode(secret, now + (stepNumber - current) * 30_000);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }

  /** The suite's checks of a successful authorization response. */
  expectCode(outcome: Outcome, sent: Record<string, string>): string {
    this.failure(
      outcome.kind === 'callback',
      `the authorization endpoint redirected back (got ${outcome.kind === 'page' ? `${outcome.status} ${outcome.url.pathname}: ${outcome.html.slice(0, 200)}` : ''})`,
    );
    const { params } = outcome;
    this.failure(!params.get('error'), `no error in the authorization response (got ${params.get('error')}: ${params.get('error_description')})`);
    this.failure(params.get('state') === sent.state, 'CheckStateInAuthorizationResponse: state is returned unchanged');
    const iss = params.get('iss');
    if (iss !== null) this.failure(iss === this.env.issuer, 'ValidateIssIfPresentInAuthorizationResponse');
    const code = params.get('code');
    this.failure(code, 'ExtractAuthorizationCodeFromAuthorizationResponse');
    this.failure(code.length >= 22, 'EnsureMinimumAuthorizationCodeLength: at least 128 bits');
    this.failure(new Set(code).size >= 16, 'EnsureMinimumAuthorizationCodeEntropy');
    return code;
  }

  /** The suite's checks of an error sent back to the client. */
  expectErrorCallback(outcome: Outcome, sent: Record<string, string>, allowed: string[]): string {
    this.failure(outcome.kind === 'callback', 'the error is sent back to the client');
    const { params } = outcome;
    const error = params.get('error');
    this.failure(error, 'EnsureErrorFromAuthorizationEndpointResponse');
    this.failure(allowed.includes(error), `the error is one of ${allowed.join(', ')} (got ${error})`);
    this.failure(!params.get('code'), 'RejectAuthCodeInAuthorizationEndpointResponse');
    if (sent.state) this.failure(params.get('state') === sent.state, 'CheckStateInAuthorizationResponse');
    const iss = params.get('iss');
    if (iss !== null) this.failure(iss === this.env.issuer, 'ValidateIssIfPresentInAuthorizationResponse');
    const description = params.get('error_description');
    if (description !== null)
      this.failure(/^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/.test(description), 'ValidateErrorDescriptionFromAuthorizationEndpointResponseError');
    const unexpected = [...params.keys()].filter((key) => !['error', 'error_description', 'error_uri', 'state', 'iss'].includes(key));
    this.warning(unexpected.length === 0, `CheckForUnexpectedParametersInErrorResponseFromAuthorizationEndpoint: ${unexpected.join(', ')}`);
    return error;
  }

  /** An error page and no redirect (ExpectRedirectUriErrorPage and its kin). */
  expectErrorPage(outcome: Outcome, mentions: RegExp, what: string): void {
    this.failure(outcome.kind === 'page', `${what}: an error page, no redirect to the client (went to ${outcome.url.href})`);
    this.failure(outcome.status >= 400, `${what}: the page is an error (status ${outcome.status})`);
    this.failure(mentions.test(outcome.html), `${what}: the page says what is wrong`);
  }

  async token(client: Client, body: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    const form = new URLSearchParams(body);
    if (client.auth === 'client_secret_basic')
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`;
    else {
      form.set('client_id', client.id);
      form.set('client_secret', client.secret);
    }
    const response = await this.env.fetch(`${this.env.issuer}/token`, { method: 'POST', headers, body: form });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /** The token request for a code, and the suite's checks of the answer. */
  async redeem(code: string, client: Client = BASIC, extra: Record<string, string> = {}) {
    const answer = await this.token(client, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, ...extra });
    this.failure(answer.status === 200, `CheckTokenEndpointHttpStatus200 (got ${answer.status} ${JSON.stringify(answer.body)})`);
    const body = answer.body as { access_token?: string; token_type?: string; expires_in?: number; id_token?: string; refresh_token?: string; scope?: string };
    this.failure(typeof body.access_token === 'string' && body.access_token.length > 0, 'CheckForAccessTokenValue');
    this.failure(body.token_type?.toLowerCase() === 'bearer', 'CheckTokenTypeIsBearer');
    if (body.expires_in !== undefined) this.failure(Number.isInteger(body.expires_in) && body.expires_in > 0, 'ValidateExpiresIn');
    this.failure(typeof body.id_token === 'string', 'ExtractIdTokenFromTokenResponse');
    return body as typeof body & { access_token: string; id_token: string };
  }

  /** ValidateIdToken, ValidateIdTokenNonce, ValidateIdTokenSignature and the key checks. */
  async idToken(token: string, client: Client, nonce: string | undefined): Promise<JWTPayload & Record<string, unknown>> {
    const header = decodeProtectedHeader(token);
    this.failure(header.alg !== 'none', 'the ID token is signed');
    this.failure(typeof header.kid === 'string', 'EnsureIdTokenContainsKid');
    const jwks = await this.jwks();
    this.failure(
      jwks.keys.every((key) => typeof key.kid === 'string'),
      'CheckForKeyIdInServerJWKs',
    );
    this.failure(new Set(jwks.keys.map((key) => key.kid)).size === jwks.keys.length, 'CheckDistinctKeyIdValueInServerJWKs');
    this.warning(
      jwks.keys.every((key) => !('d' in key)),
      'CheckServerKeysIsValid: no private parts published',
    );
    const verified = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: this.env.issuer, audience: client.id, clockTolerance: 5 }).catch(
      (error: Error) => error,
    );
    this.failure(!(verified instanceof Error), `ValidateIdToken / ValidateIdTokenSignature: ${verified instanceof Error ? verified.message : ''}`);
    const { payload } = verified;
    const now = Math.floor(Date.now() / 1000);
    this.failure(typeof payload.sub === 'string' && payload.sub.length > 0, 'the ID token has sub');
    this.failure(typeof payload.iat === 'number' && Math.abs(payload.iat - now) < 300, 'iat is now');
    this.failure(typeof payload.exp === 'number' && payload.exp > now, 'exp is in the future');
    if (Array.isArray(payload.aud) && payload.aud.length > 1) this.failure(payload.azp === client.id, 'azp with several audiences');
    if (nonce !== undefined) this.failure(payload.nonce === nonce, 'ValidateIdTokenNonce');
    else this.failure(payload.nonce === undefined, 'no nonce when none was sent');
    return payload as JWTPayload & Record<string, unknown>;
  }

  async userinfo(accessToken: string, mode: 'get' | 'post-header' | 'post-body' = 'get'): Promise<{ status: number; body: Record<string, unknown> }> {
    const url = `${this.env.issuer}/me`;
    const response =
      mode === 'get'
        ? await this.env.fetch(url, { headers: { authorization: `Bearer ${accessToken}` } })
        : mode === 'post-header'
          ? await this.env.fetch(url, { method: 'POST', headers: { authorization: `Bearer ${accessToken}` } })
          : await this.env.fetch(url, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: new URLSearchParams({ access_token: accessToken }),
            });
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = {};
    }
    return { status: response.status, body };
  }

  /** A whole happy flow: authorize, redeem, validate; the suite's `performAuthorizationFlow`. */
  async happyFlow(
    options: {
      client?: Client;
      extra?: Record<string, string | undefined>;
      method?: 'GET' | 'POST';
      browser?: ProxiedBrowser;
      order?: string[];
      tokenExtra?: Record<string, string>;
    } = {},
  ) {
    const client = options.client ?? BASIC;
    const sent = this.request(client, options.extra);
    const outcome = await this.authorize(sent, { method: options.method, browser: options.browser, order: options.order });
    const code = this.expectCode(outcome, sent);
    const tokens = await this.redeem(code, client, options.tokenExtra);
    const claims = await this.idToken(tokens.id_token, client, sent.nonce);
    this.warning(!('name' in claims) || sent.claims?.includes('id_token'), 'EnsureIdTokenDoesNotContainName');
    const requested = new Set(['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'acr', 'amr', 'azp', 'at_hash', 'c_hash', 'sid', 'jti']);
    const extra = Object.keys(claims).filter((claim) => !requested.has(claim) && !sent.claims?.includes(claim));
    this.warning(extra.length === 0, `EnsureIdTokenDoesNotContainNonRequestedClaims: ${extra.join(', ')}`);
    return { sent, outcome, code, tokens, claims, sawLogin: outcome.sawLogin };
  }

  /** Ends the browser's session at admit (the confirmation page, "Yes, sign me out"). */
  async signOut(browser: ProxiedBrowser = this.env.browser): Promise<void> {
    const { response, url } = await browser.follow(`${this.env.issuer}/session/end`);
    const html = await response.text();
    if (!/name="xsrf"/.test(html)) return;
    await browser.follow(new URL(formAction(html, '/session/end'), url), () => true, { form: { xsrf: inputValue(html, 'xsrf'), logout: 'yes' } });
  }

  result(): Result {
    if (this.skipped) return 'SKIP';
    return this.warnings.length > 0 ? 'WARN' : 'PASS';
  }
}

const usedSteps = new Map<string, number[]>();

export type Module = { name: string; plan: 'basic' | 'config' | 'rp-logout' | 'backchannel' | 'dynamic'; run(run: ModuleRun): Promise<void> };
