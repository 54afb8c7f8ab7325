/**
 * The load scripts for the peers: the same operations as admit's and the
 * baseline's (bench/load/endpoint-steps.ts, sign-in-steps.ts), at the paths
 * and with the forms each peer has. Checked as strictly: a discovery document
 * with an issuer, a JWKS with keys, an access token, a code exchanged for tokens.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { OperationId, SignInUsers, Target } from '../load/operations.ts';
import { basicAuth, cookieHeader, type FlowContext, FORM_HEADERS, form, type HttpResponse, location, type Step, storeCookies } from '../load/script.ts';
import type { Credentials } from '../load/sign-in-steps.ts';
import { MACHINE, REDIRECT_URI, RP } from '../servers/clients.ts';
import { GLEWLWYD_API, GLEWLWYD_CC_SCOPE, GLEWLWYD_OIDC } from './glewlwyd.ts';
import { LEMONLDAP_PATHS } from './lemonldap-paths.ts';

export type PeerKind = 'lemonldap' | 'glewlwyd';
export const isPeer = (kind: Target['kind']): kind is PeerKind => kind === 'lemonldap' || kind === 'glewlwyd';

/** What a peer's relying application asks at sign-in: `openid` (the peers' claims are not admit's scopes). */
const PEER_SCOPE = 'openid';

const json = (response: HttpResponse) => {
  try {
    return JSON.parse(response.body) as Record<string, unknown>;
  } catch {
    return {};
  }
};
const okJson = (key: string) => (response: HttpResponse) => response.status === 200 && json(response)[key] !== undefined;

interface PeerPaths {
  discovery: string;
  jwks: string;
  token: string;
  authorize: string;
}
const PATHS: Record<PeerKind, PeerPaths> = {
  glewlwyd: {
    discovery: `${GLEWLWYD_OIDC}/.well-known/openid-configuration`,
    jwks: `${GLEWLWYD_OIDC}/jwks`,
    token: `${GLEWLWYD_OIDC}/token`,
    authorize: `${GLEWLWYD_OIDC}/auth`,
  },
  lemonldap: LEMONLDAP_PATHS,
};

const base64url = (bytes: Buffer) => bytes.toString('base64url');

/** The authorization request with fresh PKCE, state and nonce (as admit's flows send), plus `extra` query fields. */
function authorizeQuery(context: FlowContext, extra: Record<string, string> = {}): string {
  context.vars.verifier ??= base64url(randomBytes(32));
  context.vars.state ??= base64url(randomBytes(12));
  context.vars.nonce ??= base64url(randomBytes(12));
  return new URLSearchParams({
    response_type: 'code',
    client_id: RP.id,
    redirect_uri: REDIRECT_URI,
    scope: PEER_SCOPE,
    code_challenge: base64url(createHash('sha256').update(context.vars.verifier).digest()),
    code_challenge_method: 'S256',
    state: context.vars.state,
    nonce: context.vars.nonce,
    ...extra,
  }).toString();
}

function takeCode(response: HttpResponse, context: FlowContext): boolean {
  storeCookies(context, response);
  const url = location(response);
  const code = url?.href.startsWith(REDIRECT_URI) ? url.searchParams.get('code') : null;
  if (!code || url?.searchParams.get('state') !== context.vars.state) return false;
  context.vars.code = code;
  return true;
}

function exchangeStep(paths: PeerPaths): Step {
  return {
    name: 'code exchange',
    request: (context) =>
      context.vars.code
        ? {
            method: 'POST',
            path: paths.token,
            headers: { ...FORM_HEADERS, authorization: basicAuth(RP.id, RP.secret) },
            body: form({ grant_type: 'authorization_code', code: context.vars.code, redirect_uri: REDIRECT_URI, code_verifier: context.vars.verifier ?? '' }),
          }
        : undefined,
    check: okJson('access_token'),
  };
}

const rotate = (list: Credentials[]) => {
  let next = 0;
  return () => list[next++ % list.length]!;
};

/**
 * Glewlwyd's sign-in as its login page drives it: /auth redirects to
 * login.html; the page posts the password to the login API (a session
 * cookie); /auth again with `g_continue` redirects back with a code; the code
 * is exchanged. login.html itself is a static file and is not fetched.
 */
function glewlwydSignIn(users: Credentials[]): Step[] {
  const next = rotate(users);
  const paths = PATHS.glewlwyd;
  return [
    {
      name: 'authorize',
      request: (context) => ({ method: 'GET', path: `${paths.authorize}?${authorizeQuery(context)}`, headers: { accept: 'text/html' } }),
      check: (response, context) => {
        storeCookies(context, response);
        return response.status === 302 && (location(response)?.pathname.endsWith('/login.html') ?? false);
      },
    },
    {
      name: 'password',
      request: (context) => {
        const user = next();
        return {
          method: 'POST',
          path: `${GLEWLWYD_API}/auth/`,
          headers: { 'content-type': 'application/json', ...cookieHeader(context) },
          body: JSON.stringify({ username: user.username, password: user.password }),
        };
      },
      check: (response, context) => {
        storeCookies(context, response);
        return response.status === 200;
      },
    },
    {
      name: 'authorize (continue)',
      request: (context) => ({
        method: 'GET',
        path: `${paths.authorize}?${authorizeQuery(context)}&g_continue`,
        headers: { accept: 'text/html', ...cookieHeader(context) },
      }),
      check: takeCode,
    },
    exchangeStep(paths),
  ];
}

/**
 * LemonLDAP::NG's sign-in: /oauth2/authorize without a session shows the
 * portal's login form (action "#": the same URL); posting it with the form's
 * hidden fields (url, token, skin, timezone) signs in and answers at once
 * with the redirect carrying the code (consent is bypassed for this client);
 * the code is exchanged.
 */
function lemonldapSignIn(users: Credentials[]): Step[] {
  const next = rotate(users);
  const paths = PATHS.lemonldap;
  return [
    {
      name: 'authorize (login form)',
      request: (context) => {
        context.vars.authorize = `${paths.authorize}?${authorizeQuery(context)}`;
        return { method: 'GET', path: context.vars.authorize, headers: { accept: 'text/html' } };
      },
      check: (response, context) => {
        storeCookies(context, response);
        if (response.status !== 200 || !/name="user"/.test(response.body)) return false;
        const hidden: Record<string, string> = {};
        for (const [input] of response.body.matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
          const name = /name="([^"]+)"/.exec(input)?.[1];
          if (name) hidden[name] = /value="([^"]*)"/.exec(input)?.[1] ?? '';
        }
        context.vars.hidden = JSON.stringify(hidden);
        return true;
      },
    },
    {
      name: 'password',
      request: (context) => {
        const user = next();
        return {
          method: 'POST',
          path: context.vars.authorize!,
          headers: { accept: 'text/html', ...FORM_HEADERS, ...cookieHeader(context) },
          body: form({ ...(JSON.parse(context.vars.hidden ?? '{}') as Record<string, string>), user: user.username, password: user.password }),
        };
      },
      check: takeCode,
    },
    exchangeStep(paths),
  ];
}

/**
 * The steps of one operation on a peer. Only operations the peer was set up
 * for reach here (PeerServer.unsupported says why the others do not).
 */
export function peerSteps(op: OperationId, target: Target, users: SignInUsers): Step[] {
  if (!isPeer(target.kind)) throw new Error(`${target.kind} is not a peer`);
  const kind = target.kind;
  const paths = PATHS[kind];
  switch (op) {
    case 'discovery':
      return [{ name: 'discovery', request: () => ({ method: 'GET', path: paths.discovery, headers: {} }), check: okJson('issuer') }];
    case 'jwks':
      return [{ name: 'jwks', request: () => ({ method: 'GET', path: paths.jwks, headers: {} }), check: okJson('keys') }];
    case 'cc-opaque': {
      // Both peers refuse client_credentials without a scope (Glewlwyd: one the client may have; LemonLDAP::NG: invalid_scope without one).
      const body = form({ grant_type: 'client_credentials', scope: kind === 'glewlwyd' ? GLEWLWYD_CC_SCOPE : 'openid' });
      const authorization = basicAuth(MACHINE.id, MACHINE.secret);
      return [
        {
          name: 'client credentials',
          request: () => ({ method: 'POST', path: paths.token, headers: { ...FORM_HEADERS, authorization }, body }),
          check: okJson('access_token'),
        },
      ];
    }
    case 'signin-argon2':
    case 'signin-ldap': {
      const list = op === 'signin-ldap' ? users.ldap : (users.peerLocal ?? []);
      return kind === 'glewlwyd' ? glewlwydSignIn(list) : lemonldapSignIn(list);
    }
    default:
      throw new Error(`${op} is not run on the peers`);
  }
}
