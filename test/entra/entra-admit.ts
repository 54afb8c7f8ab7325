import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { createAccountService } from '../../src/services/accounts.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, formAction, inputValue } from '../support/form-browser.ts';
import type { EntraUser } from './fake-microsoft.ts';

export const RP_SECRET = 'entra-rp-secret-0123456789-0123456789';
export const RP_CALLBACK = 'http://127.0.0.1:9/rp-callback';

/**
 * admit with Entra sites, and a relying party's view of it: start at the
 * application, press "Sign in with Microsoft", follow every redirect
 * (Microsoft's are nock's) and stop back at the application or on a page.
 */
export async function startEntraAdmit(sites: Record<string, unknown>[], extra: Record<string, unknown> = {}) {
  const running = await startAdmit({
    config: {
      ...extra,
      sites,
      clients: [{ client_id: 'rp', client_name: 'Partner Center', client_secret: RP_SECRET, first_party: true, redirect_uris: [RP_CALLBACK] }],
    },
  });
  const accounts = createAccountService({ store: running.admit.store });
  return { running, accounts };
}

const isRp = (location: URL) => location.href.startsWith(RP_CALLBACK);

export async function authorize(running: RunningAdmit) {
  const config = await oidc.discovery(new URL(running.issuer), 'rp', RP_SECRET, undefined, { execute: [oidc.allowInsecureRequests] });
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: RP_CALLBACK,
    scope: 'openid profile email groups tenant',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: oidc.randomState(),
  });
  return { config, verifier, url };
}

export interface Attempt {
  browser: FormBrowser;
  response: Response;
  url: URL;
  /** The ID token claims, when the browser got back to the application with a code. */
  claims?: oidc.IDToken;
  accessToken?: string;
  config: oidc.Configuration;
}

/**
 * Opens the sign-in page and posts it with the given button: `federated`
 * ("Sign in with Microsoft") or `login` ("Sign in"). `stopAt` stops the walk
 * at a redirect (e.g. to keep Microsoft's callback URL for a replay).
 */
export async function signIn(
  running: RunningAdmit,
  form: Record<string, string>,
  options: { button?: 'federated' | 'login'; browser?: FormBrowser; stopAt?: (location: URL) => boolean } = {},
): Promise<Attempt> {
  const browser = options.browser ?? new FormBrowser();
  const { config, verifier, url: authorizeUrl } = await authorize(running);
  const page = await browser.follow(authorizeUrl);
  const html = await page.response.text();
  assert.equal(page.response.status, 200, html.slice(0, 300));
  const action = new URL(formAction(html, '/login').replace(/\/login$/, `/${options.button ?? 'federated'}`), page.url);
  const stop = (location: URL) => isRp(location) || (options.stopAt?.(location) ?? false);
  const { response, url } = await browser.follow(action, stop, { form: { _csrf: inputValue(html, '_csrf'), ...form } });
  return finishAtRp({ browser, response, url, config }, verifier);
}

/** When the walk ended at the application: redeem the code like the application would. */
export async function finishAtRp(attempt: Omit<Attempt, 'claims' | 'accessToken'>, verifier: string): Promise<Attempt> {
  if (!isRp(attempt.url) || !attempt.url.searchParams.get('code')) return attempt;
  const tokens = await oidc.authorizationCodeGrant(attempt.config, attempt.url, { pkceCodeVerifier: verifier, expectedState: oidc.skipStateCheck });
  const idToken = tokens.claims()!;
  // The profile claims come from userinfo (admit keeps the ID token to sub, acr, amr).
  const info = await oidc.fetchUserInfo(attempt.config, tokens.access_token, idToken.sub);
  return { ...attempt, claims: { ...info, ...idToken }, accessToken: tokens.access_token };
}

/** Continues a walk stopped at a redirect (e.g. after keeping the callback URL). */
export async function resume(_running: RunningAdmit, browser: FormBrowser, from: URL): Promise<{ response: Response; url: URL }> {
  return browser.follow(from, isRp);
}

/** An account for this Microsoft identity in the site, as an invitation or an approval would have left it. */
export async function provision(
  accounts: ReturnType<typeof createAccountService>,
  siteId: string,
  user: EntraUser,
  status: 'active' | 'pending_approval' | 'denied' | 'disabled' = 'active',
) {
  const account = await accounts.linkOrCreate(
    siteId,
    'entra',
    {
      externalId: `${user.tid}:${user.oid}`,
      username: user.preferred_username ?? user.email ?? user.oid,
      name: user.name,
      email: user.email,
      emailVerified: false,
      groups: [],
    },
    { status },
  );
  return account;
}
