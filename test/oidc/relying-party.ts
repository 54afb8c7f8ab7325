import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import * as oidc from 'openid-client';
import type { RunningAdmit } from '../support/admit-server.ts';
import { type FormBrowser, formAction, inputValue } from '../support/form-browser.ts';

export const RP_SECRET = 'rp-secret-0123456789-0123456789-abcdef';

/** A back-channel logout receiver: records every logout_token posted to it. */
export async function startLogoutReceiver(): Promise<{ url: string; tokens: string[]; close(): Promise<void> }> {
  const tokens: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const body = new URLSearchParams(await new Response(req as unknown as ReadableStream).text());
    const token = body.get('logout_token');
    if (token) tokens.push(token);
    res.writeHead(200).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/backchannel-logout`, tokens, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Discovery through openid-client, as a real relying party would. */
export async function discover(running: RunningAdmit, clientId = 'rp', secret = RP_SECRET) {
  return oidc.discovery(new URL(running.issuer), clientId, secret, undefined, { execute: [oidc.allowInsecureRequests] });
}

/**
 * Drives the browser side of a sign-in: authorize → sign-in page → form post
 * → (consent) → redirect back with a code. Returns the callback URL.
 */
export async function signInThroughBrowser(
  config: oidc.Configuration,
  browser: FormBrowser,
  credentials: { username: string; password: string; site: string },
  extra: Record<string, string> = {},
): Promise<{ callback: URL; verifier: string; state: string; nonce: string }> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const redirectUri = 'http://127.0.0.1:9/callback';
  const authorize = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid profile email phone tenant groups offline_access',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  const isCallback = (location: URL) => location.href.startsWith(redirectUri);
  let { response, url } = await browser.follow(authorize, isCallback);
  if (isCallback(url)) return { callback: url, verifier, state, nonce };
  let html = await response.text();
  assert.equal(response.status, 200, html);
  ({ response, url } = await browser.follow(new URL(formAction(html, '/login'), url), isCallback, {
    form: { _csrf: inputValue(html, '_csrf'), ...credentials },
  }));
  if (!isCallback(url)) {
    html = await response.text();
    assert.match(html, /Allow access/, `expected the consent page, got ${response.status}: ${html.slice(0, 500)}`);
    ({ url } = await browser.follow(new URL(formAction(html, '/consent'), url), isCallback, { form: { _csrf: inputValue(html, '_csrf') } }));
  }
  assert.ok(isCallback(url), `expected a redirect to the callback, got ${url.href}`);
  return { callback: url, verifier, state, nonce };
}
