// The sample relying application: a tiny web app that signs in through admit
// with openid-client (authorization code + PKCE), shows the ID token claims,
// refreshes, signs out, and honours back-channel logout.
//
//   npm run example:rp        (admit must be running: npm start)
//
// Settings: RP_PORT (3001), ADMIT_ISSUER (http://localhost:3000),
// RP_CLIENT_ID / RP_CLIENT_SECRET (the example-rp client of config/default.yaml).

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';

const port = Number(process.env.RP_PORT ?? 3001);
const issuer = new URL(process.env.ADMIT_ISSUER ?? 'http://localhost:3000');
const clientId = process.env.RP_CLIENT_ID ?? 'example-rp';
const clientSecret = process.env.RP_CLIENT_SECRET ?? 'example-rp-secret-change-me-0123456789';
const base = `http://localhost:${port}`;

const config = await oidc.discovery(issuer, clientId, clientSecret, undefined, {
  execute: issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [],
});
const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));

interface RpSession {
  verifier?: string;
  state?: string;
  nonce?: string;
  tokens?: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
  sid?: string;
}
const sessions = new Map<string, RpSession>();

const escapeHtml = (value: unknown) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (res: ServerResponse, body: string, status = 200) => {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Example RP</title></head><body style="font-family:system-ui;max-width:760px;margin:40px auto;padding:0 16px">${body}</body></html>`,
  );
};

function sessionOf(req: IncomingMessage, res: ServerResponse): RpSession {
  const id = /(?:^|;\s*)rp=([A-Za-z0-9_-]+)/.exec(req.headers.cookie ?? '')?.[1];
  if (id && sessions.has(id)) return sessions.get(id)!;
  const fresh = randomBytes(16).toString('base64url');
  sessions.set(fresh, {});
  res.setHeader('set-cookie', `rp=${fresh}; HttpOnly; SameSite=Lax; Path=/`);
  return sessions.get(fresh)!;
}

/** What an OAuth error from admit means to the person who was signing in (RFC 6749 §4.1.2.1, OIDC Core §3.1.2.6). */
const ERROR_TEXTS: Record<string, { heading: string; text: string }> = {
  access_denied: { heading: 'You cancelled the sign-in', text: 'You are not signed in, and nothing was shared with this application.' },
  login_required: { heading: 'Please sign in', text: 'Your session at admit has ended. Sign in again to continue.' },
  interaction_required: { heading: 'Please sign in', text: 'admit needs you to sign in again to continue.' },
  consent_required: { heading: 'Please sign in', text: 'admit needs you to confirm what this application may see.' },
  temporarily_unavailable: { heading: 'Sign-in is unavailable right now', text: 'admit could not finish the sign-in. Try again in a few minutes.' },
};

function signInFailed(res: ServerResponse, code: string, description?: string): void {
  const known = ERROR_TEXTS[code];
  const shown = known ?? { heading: 'The sign-in did not finish', text: 'admit could not sign you in to this application.' };
  // The server's description is for developers: shown only beside an error the page has no words for.
  page(
    res,
    `<h1>${escapeHtml(shown.heading)}</h1><p>${escapeHtml(shown.text)}</p>
    <p><a href="/login">Sign in again</a> · <a href="/">Home</a></p>
    <p style="color:#5b6776;font-size:13px">Error code: <code>${escapeHtml(code)}</code>${!known && description ? ` (${escapeHtml(description)})` : ''}</p>`,
    code === 'access_denied' ? 200 : 400,
  );
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', base);
  const session = sessionOf(req, res);

  if (url.pathname === '/') {
    if (!session.tokens) return page(res, '<h1>Example relying application</h1><p>Not signed in.</p><p><a href="/login">Sign in with admit</a></p>');
    const claims = session.tokens.claims();
    return page(
      res,
      `<h1>Signed in</h1><h2>ID token claims</h2><pre id="claims">${escapeHtml(JSON.stringify(claims, null, 2))}</pre>
      <p><a href="/userinfo">Call userinfo</a> · <a href="/refresh">Refresh tokens</a> · <a href="/logout">Sign out</a></p>`,
    );
  }
  if (url.pathname === '/login') {
    session.verifier = oidc.randomPKCECodeVerifier();
    session.state = oidc.randomState();
    session.nonce = oidc.randomNonce();
    const target = oidc.buildAuthorizationUrl(config, {
      redirect_uri: `${base}/callback`,
      scope: 'openid profile email phone tenant groups offline_access',
      code_challenge: await oidc.calculatePKCECodeChallenge(session.verifier),
      code_challenge_method: 'S256',
      state: session.state,
      nonce: session.nonce,
    });
    res.writeHead(302, { location: target.href }).end();
    return;
  }
  if (url.pathname === '/callback') {
    try {
      session.tokens = await oidc.authorizationCodeGrant(config, url, {
        pkceCodeVerifier: session.verifier,
        expectedState: session.state,
        expectedNonce: session.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      // admit answered with an OAuth error (the user pressed Cancel, or the sign-in could not finish): say so in words.
      if (error instanceof oidc.AuthorizationResponseError) return signInFailed(res, error.error, error.error_description);
      throw error;
    } finally {
      // A state, nonce and verifier serve one answer, whichever it was.
      session.verifier = session.state = session.nonce = undefined;
    }
    session.sid = session.tokens.claims()?.sid as string | undefined;
    res.writeHead(302, { location: '/' }).end();
    return;
  }
  if (url.pathname === '/userinfo' && session.tokens) {
    const info = await oidc.fetchUserInfo(config, session.tokens.access_token, session.tokens.claims()!.sub);
    return page(res, `<h1>userinfo</h1><pre>${escapeHtml(JSON.stringify(info, null, 2))}</pre><p><a href="/">Back</a></p>`);
  }
  if (url.pathname === '/refresh' && session.tokens?.refresh_token) {
    session.tokens = await oidc.refreshTokenGrant(config, session.tokens.refresh_token);
    res.writeHead(302, { location: '/' }).end();
    return;
  }
  if (url.pathname === '/logout') {
    const idToken = session.tokens?.id_token;
    session.tokens = undefined;
    const target = oidc.buildEndSessionUrl(config, { post_logout_redirect_uri: `${base}/`, ...(idToken ? { id_token_hint: idToken } : {}) });
    res.writeHead(302, { location: target.href }).end();
    return;
  }
  if (url.pathname === '/backchannel-logout' && req.method === 'POST') {
    const body = new URLSearchParams(await new Response(req as unknown as ReadableStream).text());
    const { payload } = await jwtVerify(body.get('logout_token') ?? '', jwks, { issuer: config.serverMetadata().issuer, audience: clientId });
    for (const rpSession of sessions.values()) if (rpSession.sid && rpSession.sid === payload.sid) rpSession.tokens = undefined;
    res.writeHead(200, { 'cache-control': 'no-store' }).end();
    return;
  }
  page(res, '<h1>Not found</h1><p><a href="/">Home</a></p>', 404);
}

createServer((req, res) => {
  handle(req, res).catch((error: Error) => page(res, `<h1>Error</h1><pre>${escapeHtml(error.message)}</pre><p><a href="/">Home</a></p>`, 500));
}).listen(port, () => process.stdout.write(`example relying application on ${base} (issuer ${issuer.href})\n`));
