import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { clientAdd } from '../../src/cli/client-add.ts';
import { createCommandContext } from '../../src/cli/context.ts';
import { configSchema } from '../../src/connectors.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, formAction, inputValue } from '../support/form-browser.ts';
import { discover, RP_SECRET, signInThroughBrowser, startLogoutReceiver } from './relying-party.ts';

/**
 * What relying parties nobody here wrote need (issue 15, items 1-5): POST at
 * the authorization and logout endpoints, redirect_uri always required, PKCE
 * optional for a confidential legacy client only, a refresh that re-sends the
 * original scope, the claims parameter, sid, a per-client ID token algorithm,
 * and phone_number with phone_number_verified.
 */
const REDIRECT = 'http://127.0.0.1:9/callback';
const isCallback = (location: URL) => location.href.startsWith(REDIRECT);
const decode = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
const header = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()) as Record<string, unknown>;
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('relying parties as deployed: POST, redirect_uri, PKCE, refresh scope, claims, sid, ES256, phone', () => {
  let running: RunningAdmit;
  let receiver: Awaited<ReturnType<typeof startLogoutReceiver>>;
  const alice = { username: 'alice', password: 'Correct-Horse-7', site: 'DEMO' };

  beforeAll(async () => {
    receiver = await startLogoutReceiver();
    running = await startAdmit({
      config: {
        clients: [
          {
            client_id: 'rp',
            client_secret: RP_SECRET,
            first_party: true,
            redirect_uris: [REDIRECT],
            post_logout_redirect_uris: ['http://127.0.0.1:9/'],
            grant_types: ['authorization_code', 'refresh_token'],
            backchannel_logout_uri: receiver.url,
          },
          { client_id: 'legacy', client_secret: RP_SECRET, first_party: true, pkce_required: false, redirect_uris: [REDIRECT] },
          { client_id: 'spa', token_endpoint_auth_method: 'none', first_party: true, redirect_uris: [REDIRECT] },
          { client_id: 'es256', client_secret: RP_SECRET, first_party: true, id_token_signed_response_alg: 'ES256', redirect_uris: [REDIRECT] },
        ],
      },
    });
    await createLocalDirectory({ store: running.admit.store, siteId: 'DEMO' }).addUser({
      username: 'alice',
      password: alice.password,
      name: 'Alice Example',
      email: 'alice@example.com',
      phoneNumber: '+15035550100',
    });
  });
  afterAll(async () => {
    await running?.stop();
    await receiver?.close();
  });

  /** From the first page of a sign-in to the callback: the sign-in form, then (third-party) consent. */
  async function finishSignIn(browser: FormBrowser, first: { response: Response; url: URL }): Promise<URL> {
    if (isCallback(first.url)) return first.url;
    const html = await first.response.text();
    assert.equal(first.response.status, 200, html.slice(0, 300));
    const { url } = await browser.follow(new URL(formAction(html, '/login'), first.url), isCallback, { form: { _csrf: inputValue(html, '_csrf'), ...alice } });
    assert.ok(isCallback(url), `expected the callback, got ${url.href}`);
    return url;
  }

  const authParams = (clientId: string, extra: Record<string, string> = {}) => ({
    client_id: clientId,
    response_type: 'code',
    scope: 'openid',
    redirect_uri: REDIRECT,
    state: 'st-1',
    nonce: 'n-1',
    ...extra,
  });

  it('accepts the authorization request as a form POST, and keeps the signed-in session for it', async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const params = authParams('rp', { code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const browser = new FormBrowser();
    const answer = await browser.request(`${running.issuer}/auth`, { form: params });
    assert.equal(answer.status, 303, 'POST /auth is answered (it was a 404)');
    const location = new URL(answer.headers.get('location')!, running.issuer);
    assert.equal(location.pathname, '/auth');
    assert.deepEqual(Object.fromEntries(location.searchParams), params);
    const callback = await finishSignIn(browser, await browser.follow(`${running.issuer}/auth`, isCallback, { form: params }));
    assert.equal(callback.searchParams.get('state'), 'st-1');
    const config = await discover(running);
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: 'st-1', expectedNonce: 'n-1' });
    assert.ok(tokens.id_token);

    // Signed in: a second POST goes straight back with a code, the Lax session cookie rode on the GET.
    const again = await browser.follow(`${running.issuer}/auth`, isCallback, { form: { ...params, prompt: 'none', state: 'st-2' } });
    assert.ok(isCallback(again.url), `expected the callback, got ${again.url.href}`);
    assert.ok(again.url.searchParams.get('code'));

    // The logout endpoint takes a POST too.
    const logout = await browser.request(`${running.issuer}/session/end`, {
      form: { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'http://127.0.0.1:9/' },
    });
    assert.equal(logout.status, 303);
    const confirm = await browser.follow(new URL(logout.headers.get('location')!, running.issuer));
    assert.match(await confirm.response.text(), /Sign out/);

    // A form too large to become a URL is refused, with the way out named.
    const huge = await browser.request(`${running.issuer}/auth`, { form: { ...params, login_hint: 'x'.repeat(9000) } });
    assert.equal(huge.status, 413);
    assert.match(await huge.text(), /pushed authorization request/);
  });

  it('refuses an authorization request without redirect_uri even for a client with one registered URI, with no redirect', async () => {
    const { redirect_uri: _omitted, ...params } = authParams('legacy');
    const response = await fetch(`${running.issuer}/auth?${new URLSearchParams(params)}`, { redirect: 'manual', headers: { accept: 'text/html' } });
    assert.equal(response.status, 400, 'it used to redirect to the single registered URI');
    assert.equal(response.headers.get('location'), null);
    assert.match(await response.text(), /redirect_uri/);
  });

  it('lets a confidential client registered with pkce_required: false sign in without PKCE; others still need it', async () => {
    const browser = new FormBrowser();
    const callback = await finishSignIn(browser, await browser.follow(`${running.issuer}/auth?${new URLSearchParams(authParams('legacy'))}`, isCallback));
    const config = await discover(running, 'legacy');
    const tokens = await oidc.authorizationCodeGrant(config, callback, { expectedState: 'st-1', expectedNonce: 'n-1' });
    assert.ok(tokens.access_token);

    for (const clientId of ['rp', 'spa']) {
      const refused = await fetch(`${running.issuer}/auth?${new URLSearchParams(authParams(clientId))}`, { redirect: 'manual' });
      const location = new URL(refused.headers.get('location') ?? '', running.issuer);
      assert.equal(location.searchParams.get('error'), 'invalid_request', clientId);
      assert.match(location.searchParams.get('error_description') ?? '', /PKCE/);
    }
    // A public client cannot be configured without PKCE.
    const parsed = configSchema.safeParse({
      sites: [{ id: 'DEMO', displayName: 'Demo', directory: { kind: 'local' } }],
      clients: [{ client_id: 'x', token_endpoint_auth_method: 'none', pkce_required: false, redirect_uris: [REDIRECT] }],
    });
    assert.equal(parsed.success, false);
    assert.deepEqual(
      parsed.error?.issues.map((issue) => issue.path.join('.')),
      ['clients.0.pkce_required'],
    );
  });

  it('refreshes a first-party refresh token when the original scope (with offline_access) is sent again', async () => {
    const config = await discover(running);
    const flow = await signInThroughBrowser(config, new FormBrowser(), alice);
    const tokens = await oidc.authorizationCodeGrant(config, flow.callback, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
    });
    assert.ok(tokens.refresh_token);
    // As mod_auth_openidc sends it (form, Basic auth, the scope of the authorization request).
    const response = await fetch(`${running.issuer}/token`, {
      method: 'POST',
      headers: { authorization: basic('rp', RP_SECRET), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, scope: 'openid profile email offline_access' }),
    });
    const body = (await response.json()) as Record<string, string>;
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.deepEqual(body.scope!.split(' ').sort(), ['email', 'openid', 'profile'], 'the scopes the refresh token carries that were asked for');
    assert.ok(body.refresh_token && body.id_token);
    // MSAL-style: only openid and offline_access; openid-client: no scope at all.
    const msal = await oidc.refreshTokenGrant(config, body.refresh_token, { scope: 'openid offline_access' });
    assert.equal(msal.scope, 'openid');
    const plain = await oidc.refreshTokenGrant(config, msal.refresh_token!);
    assert.ok(plain.access_token);
    // A scope the token never had is still refused.
    await assert.rejects(
      oidc.refreshTokenGrant(config, plain.refresh_token!, { scope: 'openid admin' }),
      (error: { error?: string }) => error.error === 'invalid_scope',
    );
  });

  it('answers the claims parameter: essential claims in userinfo and the ID token', async () => {
    const config = await discover(running);
    assert.equal(config.serverMetadata().claims_parameter_supported, true);
    const claims = JSON.stringify({
      userinfo: { name: { essential: true }, phone_number: null },
      id_token: { email: { essential: true }, email_verified: null },
    });
    const flow = await signInThroughBrowser(config, new FormBrowser(), alice, { scope: 'openid', claims });
    const tokens = await oidc.authorizationCodeGrant(config, flow.callback, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
    });
    const idToken = tokens.claims()!;
    assert.equal(idToken.email, 'alice@example.com');
    assert.equal(idToken.name, undefined, 'only what was asked for the ID token');
    const info = await oidc.fetchUserInfo(config, tokens.access_token, idToken.sub);
    assert.equal(info.name, 'Alice Example');
    assert.equal(info.phone_number, '+15035550100');
    assert.equal(info.email, undefined, 'scope openid alone: email only in the ID token, where it was asked for');
  });

  it('puts sid in the ID token and the same sid in the logout token', async () => {
    const config = await discover(running);
    const browser = new FormBrowser();
    const flow = await signInThroughBrowser(config, browser, alice);
    const tokens = await oidc.authorizationCodeGrant(config, flow.callback, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
    });
    const sid = tokens.claims()!.sid;
    assert.equal(typeof sid, 'string', 'ID tokens carry sid');
    receiver.tokens.length = 0;
    const end = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'http://127.0.0.1:9/' });
    const confirm = await browser.follow(end);
    const html = await confirm.response.text();
    await browser.follow(new URL(formAction(html, '/session/end'), end), (location) => location.href.startsWith('http://127.0.0.1:9/'), {
      form: { xsrf: inputValue(html, 'xsrf'), logout: 'yes' },
    });
    assert.equal(receiver.tokens.length, 1);
    assert.equal(decode(receiver.tokens[0]!).sid, sid, 'the logout token names the session');
  });

  it('gives a client without back-channel logout sid when it asks with the claims parameter, and not otherwise', async () => {
    const config = await discover(running, 'legacy');
    const idTokenOf = async (extra: Record<string, string>) => {
      const browser = new FormBrowser();
      const callback = await finishSignIn(
        browser,
        await browser.follow(`${running.issuer}/auth?${new URLSearchParams(authParams('legacy', extra))}`, isCallback),
      );
      const tokens = await oidc.authorizationCodeGrant(config, callback, { expectedState: 'st-1', expectedNonce: 'n-1' });
      return tokens.claims()!;
    };
    assert.equal((await idTokenOf({})).sid, undefined);
    assert.equal(typeof (await idTokenOf({ claims: JSON.stringify({ id_token: { sid: null } }) })).sid, 'string');
  });

  it('signs ID tokens with ES256 for a client that chose it, verified by openid-client against the JWKS', async () => {
    const config = await discover(running, 'es256');
    assert.ok(config.serverMetadata().id_token_signing_alg_values_supported?.includes('ES256'));
    const flow = await signInThroughBrowser(config, new FormBrowser(), alice);
    const tokens = await oidc.authorizationCodeGrant(config, flow.callback, {
      pkceCodeVerifier: flow.verifier,
      expectedState: flow.state,
      expectedNonce: flow.nonce,
    });
    assert.equal(header(tokens.id_token!).alg, 'ES256');
    const jwks = (await (await fetch(`${running.issuer}/jwks`)).json()) as { keys: { kid: string; alg?: string; kty: string }[] };
    const key = jwks.keys.find((candidate) => candidate.kid === header(tokens.id_token!).kid);
    assert.equal(key?.kty, 'EC');
    // The default stays RS256.
    const rp = await discover(running);
    const other = await signInThroughBrowser(rp, new FormBrowser(), alice);
    const rs = await oidc.authorizationCodeGrant(rp, other.callback, {
      pkceCodeVerifier: other.verifier,
      expectedState: other.state,
      expectedNonce: other.nonce,
    });
    assert.equal(header(rs.id_token!).alg, 'RS256');
  });

  it('releases phone_number with phone_number_verified: true once proved in the portal, false from the directory', async () => {
    const config = await discover(running);
    const signInPhone = async () => {
      const flow = await signInThroughBrowser(config, new FormBrowser(), alice);
      const tokens = await oidc.authorizationCodeGrant(config, flow.callback, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
      });
      return oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
    };
    const fromDirectory = await signInPhone();
    assert.equal(fromDirectory.phone_number, '+15035550100');
    assert.equal(fromDirectory.phone_number_verified, false);

    const accounts = createAccountService({ store: running.admit.store });
    const account = await accounts.findByUsername('DEMO', 'alice');
    assert.ok(account);
    await accounts.save({ ...account, phoneNumber: '+15035550199', selfUpdated: { ...account.selfUpdated, phoneNumber: '+15035550199' } });
    const proved = await signInPhone();
    assert.equal(proved.phone_number, '+15035550199');
    assert.equal(proved.phone_number_verified, true);
  });

  it('registers clients from the CLI with --pkce-optional and --id-token-alg ES256', async () => {
    const context = createCommandContext(running.config, running.admit.store, 'unused-by-client-add-0123456789abcdef');
    const out = await clientAdd.run(
      { id: 'cli-legacy', 'redirect-uri': REDIRECT, secret: RP_SECRET, 'first-party': true, 'pkce-optional': true, 'id-token-alg': 'ES256' },
      context,
    );
    assert.match(out, /registered client "cli-legacy"/);
    await assert.rejects(clientAdd.run({ id: 'cli-public', 'redirect-uri': REDIRECT, public: true, 'pkce-optional': true }, context), /--pkce-optional/);
    await assert.rejects(clientAdd.run({ id: 'cli-hs', 'redirect-uri': REDIRECT, secret: RP_SECRET, 'id-token-alg': 'HS256' }, context), /--id-token-alg/);

    const browser = new FormBrowser();
    const callback = await finishSignIn(browser, await browser.follow(`${running.issuer}/auth?${new URLSearchParams(authParams('cli-legacy'))}`, isCallback));
    const config = await discover(running, 'cli-legacy');
    const tokens = await oidc.authorizationCodeGrant(config, callback, { expectedState: 'st-1', expectedNonce: 'n-1' });
    assert.equal(header(tokens.id_token!).alg, 'ES256');
  });
});
