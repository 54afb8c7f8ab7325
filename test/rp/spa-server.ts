import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { freePort } from '../support/free-port.ts';

// oidc-client-ts's own browser bundle (an IIFE defining the global `oidc`), straight from node_modules.
// (The package's exports map does not list it, so it is read by path.)
const BUNDLE = new URL('../../node_modules/oidc-client-ts/dist/browser/oidc-client-ts.js', import.meta.url);

export interface SpaPlan {
  port: number;
  origin: string;
  redirectUri: string;
  postLogoutRedirectUri: string;
}

export async function planSpa(): Promise<SpaPlan> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  return { port, origin, redirectUri: `${origin}/callback.html`, postLogoutRedirectUri: `${origin}/` };
}

/** admit's registration of the app: a public client (no secret), first-party, with refresh tokens. */
export function spaClient(plan: SpaPlan, clientId: string): Record<string, unknown> {
  return {
    client_id: clientId,
    client_name: 'Single-page app',
    token_endpoint_auth_method: 'none',
    first_party: true,
    redirect_uris: [plan.redirectUri],
    post_logout_redirect_uris: [plan.postLogoutRedirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
  };
}

/** The UserManager settings the app runs with (README's "Connecting your application" shows the same). */
export function userManagerSettings(plan: SpaPlan, issuer: string, clientId: string, expiringNotificationSeconds: number) {
  return {
    authority: issuer,
    client_id: clientId,
    redirect_uri: plan.redirectUri,
    post_logout_redirect_uri: plan.postLogoutRedirectUri,
    response_type: 'code',
    scope: 'openid profile email',
    loadUserInfo: true,
    // Renews with the refresh token admit gives first-party apps (no iframe, no third-party cookies).
    automaticSilentRenew: true,
    accessTokenExpiringNotificationTimeInSeconds: expiringNotificationSeconds,
  };
}

// The app: one page with Sign in / Sign out, a callback page, and `window.app` for the test to look at.
const APP_JS = `
const app = window.app = { events: [], mgr: new oidc.UserManager(window.SETTINGS) };
for (const name of ['UserLoaded', 'UserUnloaded', 'AccessTokenExpiring', 'AccessTokenExpired', 'SilentRenewError', 'UserSignedOut']) {
  app.mgr.events['add' + name]((arg) => app.events.push({ name, at: Date.now(), error: arg && arg.message }));
}
async function show() {
  const user = await app.mgr.getUser();
  document.getElementById('status').textContent = user ? 'Signed in as ' + user.profile.name + ' <' + user.profile.email + '>' : 'Signed out';
}
app.show = show;
`;

function page(title: string, settings: unknown, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<script src="/oidc-client-ts.js"></script>
<script>window.SETTINGS = ${JSON.stringify(settings)};</script>
<script src="/app.js"></script></head>
<body><h1>${title}</h1>${body}</body></html>`;
}

const INDEX_BODY = `<p id="status">…</p>
<button id="sign-in" onclick="app.mgr.signinRedirect()">Sign in</button>
<button id="sign-out" onclick="app.mgr.signoutRedirect()">Sign out</button>
<script>app.show(); app.mgr.events.addUserLoaded(() => app.show());</script>`;

const CALLBACK_BODY = `<p id="status">Signing in…</p>
<script>app.mgr.signinRedirectCallback().then(() => location.replace('/'), (error) => {
  document.getElementById('status').textContent = 'Sign-in failed: ' + error.message;
});</script>`;

export interface RunningSpa extends SpaPlan {
  close(): Promise<void>;
}

/**
 * A tiny static HTTP server on its own loopback port (its own origin),
 * serving a single-page app built on oidc-client-ts's browser bundle.
 * Without settings it serves only `/` as a blank page of a foreign origin.
 */
export async function startSpa(plan: SpaPlan, settings?: Record<string, unknown>): Promise<RunningSpa> {
  const bundle = readFileSync(BUNDLE);
  const files: Record<string, [string, string | Buffer]> = settings
    ? {
        '/': ['text/html', page('Single-page app', settings, INDEX_BODY)],
        '/callback.html': ['text/html', page('Callback', settings, CALLBACK_BODY)],
        '/app.js': ['text/javascript', APP_JS],
        '/oidc-client-ts.js': ['text/javascript', bundle],
      }
    : { '/': ['text/html', '<!doctype html><title>Another origin</title><h1>Another origin</h1>'] };
  const server: Server = createServer((req, res) => {
    const file = files[new URL(req.url ?? '/', plan.origin).pathname];
    if (!file || req.method !== 'GET') return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': `${file[0]}; charset=utf-8`, 'cache-control': 'no-store' }).end(file[1]);
  });
  await new Promise<void>((resolve) => server.listen(plan.port, '127.0.0.1', () => resolve()));
  return {
    ...plan,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
