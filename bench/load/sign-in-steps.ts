import { createHash, randomBytes } from 'node:crypto';
import { REDIRECT_URI, RP, SIGN_IN_SCOPE } from '../servers/clients.ts';
import { basicAuth, cookieHeader, type FlowContext, FORM_HEADERS, form, type HttpResponse, location, pathOf, type Step, storeCookies } from './script.ts';

/**
 * The browser side of a sign-in, without a browser: authorize → sign-in page
 * → password form → (second factor) → resume → redirect with a code → code
 * exchange. The sign-in page and its form differ between admit and
 * oidc-provider's devInteractions; the rest is the same protocol.
 */
export interface Credentials {
  username: string;
  password: string;
  site?: string;
}

/** How a server's sign-in page is filled in. */
export interface LoginPage {
  /** Values read from the page (CSRF token, form action); undefined if it is not the page. */
  read(html: string, pagePath: string): { action: string; hidden: Record<string, string> } | undefined;
  fields(credentials: Credentials): Record<string, string>;
}

/** admit's page: the seed's fields (User Name, Password, Log on to) and a CSRF token. */
export const admitLoginPage: LoginPage = {
  read(html) {
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    const action = /<form method="post" action="([^"]*\/login)"/.exec(html)?.[1];
    return csrf && action ? { action, hidden: { _csrf: csrf } } : undefined;
  },
  fields: ({ username, password, site }) => ({ username, password, site: site ?? '' }),
};

/** oidc-provider's devInteractions page: any login is accepted, no CSRF token. */
export const devInteractionsLoginPage: LoginPage = {
  read(html) {
    const action = /<form autocomplete="off" action="([^"]+)" method="post">/.exec(html)?.[1];
    return action ? { action: action.replace(/&#x2F;/g, '/').replace(/&amp;/g, '&'), hidden: { prompt: 'login' } } : undefined;
  },
  fields: ({ username, password }) => ({ login: username, password }),
};

const base64url = (bytes: Buffer) => bytes.toString('base64url');

/** The authorization request a relying application sends, with fresh PKCE, state and nonce. */
export function authorizePath(context: FlowContext): string {
  const verifier = base64url(randomBytes(32));
  context.vars.verifier = verifier;
  context.vars.state = base64url(randomBytes(12));
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: RP.id,
    redirect_uri: REDIRECT_URI,
    scope: SIGN_IN_SCOPE,
    code_challenge: base64url(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
    state: context.vars.state,
    nonce: base64url(randomBytes(12)),
  });
  return `/auth?${query}`;
}

const redirectTo = (prefix: string, key: string) => (response: HttpResponse, context: FlowContext) => {
  storeCookies(context, response);
  const url = location(response);
  if (response.status < 300 || response.status > 399 || !url || !url.pathname.startsWith(prefix)) return false;
  context.vars[key] = pathOf(url);
  return true;
};

/** Expects the redirect back to the relying application with a code, and keeps it. */
export function takeCode(response: HttpResponse, context: FlowContext): boolean {
  storeCookies(context, response);
  const url = location(response);
  const code = url?.href.startsWith(REDIRECT_URI) ? url.searchParams.get('code') : null;
  if (!code || url?.searchParams.get('state') !== context.vars.state) return false;
  context.vars.code = code;
  return true;
}

/** GET /auth: a new authorization request, answered with a redirect to the sign-in pages. */
export const authorizeStep: Step = {
  name: 'authorize',
  request: (context) => ({ method: 'GET', path: authorizePath(context), headers: { accept: 'text/html' } }),
  check: redirectTo('/interaction/', 'page'),
};

/** GET the sign-in page and read its form. */
export function showPageStep(page: LoginPage): Step {
  return {
    name: 'sign-in page',
    request: (context) =>
      context.vars.page ? { method: 'GET', path: context.vars.page, headers: { accept: 'text/html', ...cookieHeader(context) } } : undefined,
    check(response, context) {
      storeCookies(context, response);
      const read = response.status === 200 ? page.read(response.body, context.vars.page ?? '') : undefined;
      if (!read) return false;
      context.vars.action = read.action;
      context.vars.hidden = JSON.stringify(read.hidden);
      return true;
    },
  };
}

/**
 * POST the password form. Without a second factor the answer redirects back
 * to /auth/:uid (resume); with one, to the factor's page (kept as `next`).
 */
export function passwordStep(page: LoginPage, credentials: (context: FlowContext) => Credentials, secondFactor?: SecondFactor): Step {
  return {
    name: 'password',
    request: (context) =>
      context.vars.action
        ? {
            method: 'POST',
            path: context.vars.action,
            headers: { accept: 'text/html', ...FORM_HEADERS, ...cookieHeader(context) },
            body: form({ ...(JSON.parse(context.vars.hidden ?? '{}') as Record<string, string>), ...page.fields(credentials(context)) }),
          }
        : undefined,
    check: secondFactor ? redirectTo(secondFactor.redirectPrefix, 'next') : redirectTo('/auth/', 'resume'),
  };
}

/** GET /auth/:uid: oidc-provider resumes, skips consent (first-party) and redirects with the code. */
export const resumeStep: Step = {
  name: 'resume',
  request: (context) =>
    context.vars.resume ? { method: 'GET', path: context.vars.resume, headers: { accept: 'text/html', ...cookieHeader(context) } } : undefined,
  check: takeCode,
};

/** POST /token with the code and the PKCE verifier. */
export const exchangeStep: Step = {
  name: 'code exchange',
  request: (context) =>
    context.vars.code
      ? {
          method: 'POST',
          path: '/token',
          headers: { ...FORM_HEADERS, authorization: basicAuth(RP.id, RP.secret) },
          body: form({ grant_type: 'authorization_code', code: context.vars.code, redirect_uri: REDIRECT_URI, code_verifier: context.vars.verifier ?? '' }),
        }
      : undefined,
  check: (response, context) => {
    if (response.status !== 200) return false;
    const tokens = JSON.parse(response.body) as { access_token?: string; refresh_token?: string };
    if (!tokens.access_token) return false;
    context.vars.accessToken = tokens.access_token;
    if (tokens.refresh_token) context.vars.refreshToken = tokens.refresh_token;
    return true;
  },
};

/**
 * A second factor between the password and the resume, e.g. TOTP computed by
 * the harness: the password form redirects to its page (`vars.next`), and its
 * last step must store the redirect back to /auth/:uid as `vars.resume`.
 * admit has no MFA step yet, so no flow uses one; when it lands, a
 * SecondFactor that reads the page and posts the code slots in here.
 */
export interface SecondFactor {
  redirectPrefix: string;
  steps: Step[];
}

/** The whole sign-in, code exchange included. */
export function signInSteps(page: LoginPage, credentials: (context: FlowContext) => Credentials, secondFactor?: SecondFactor): Step[] {
  return [authorizeStep, showPageStep(page), passwordStep(page, credentials, secondFactor), ...(secondFactor?.steps ?? []), resumeStep, exchangeStep];
}

/** The sign-in up to the code (pool building: the code is exchanged later, timed). */
export function signInToCodeSteps(page: LoginPage, credentials: (context: FlowContext) => Credentials): Step[] {
  return [authorizeStep, showPageStep(page), passwordStep(page, credentials), resumeStep];
}

/** A new authorization request on an existing session: answered at once with a code (SSO). */
export const ssoAuthorizeStep: Step = {
  name: 'sso authorize',
  request: (context) => ({ method: 'GET', path: authorizePath(context), headers: { accept: 'text/html', ...cookieHeader(context) } }),
  check: takeCode,
};

/** GET a page of the MFA step, reading its CSRF token (and, on `choose`, the authenticator-app button). */
function mfaPageStep(name: string, pageKey: string, expect: 'choose' | 'code'): Step {
  return {
    name,
    request: (context) =>
      context.vars[pageKey] ? { method: 'GET', path: context.vars[pageKey]!, headers: { accept: 'text/html', ...cookieHeader(context) } } : undefined,
    check(response, context) {
      storeCookies(context, response);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1];
      const action = /<form method="post" action="([^"]+)"/.exec(response.body)?.[1];
      if (response.status !== 200 || !csrf || !action || !action.endsWith(`/${expect}`)) return false;
      context.vars.csrf = csrf;
      context.vars.action = action;
      if (expect === 'choose') {
        const totp = /name="method" value="(totp:[^"]+)"/.exec(response.body)?.[1];
        if (!totp) return false;
        context.vars.method = totp;
      }
      return true;
    },
  };
}

/** POST an MFA form; the answer redirects to the next page (kept under `key`) or back to /auth/:uid. */
function mfaPostStep(name: string, fields: (context: FlowContext) => Record<string, string>, prefix: string, key: string): Step {
  return {
    name,
    request: (context) =>
      context.vars.action
        ? {
            method: 'POST',
            path: context.vars.action,
            headers: { accept: 'text/html', ...FORM_HEADERS, ...cookieHeader(context) },
            // trustShown without trust: "Trust this browser" left unticked, so every sign-in asks again.
            body: form({ _csrf: context.vars.csrf ?? '', trustShown: '1', ...fields(context) }),
          }
        : undefined,
    check: redirectTo(prefix, key),
  };
}

/**
 * The authenticator-app code as admit asks for it: the MFA step redirects to
 * "Choose an authentication method", the user picks Passcode, then enters the
 * code (computed here from the enrolled secret; the credentials picker chose
 * a 30-second step this user has not used, as a code is accepted once).
 */
export function totpSecondFactor(): SecondFactor {
  return {
    redirectPrefix: '/interaction/',
    steps: [
      {
        name: 'mfa entry',
        request: (context) =>
          context.vars.next ? { method: 'GET', path: context.vars.next, headers: { accept: 'text/html', ...cookieHeader(context) } } : undefined,
        check: redirectTo('/interaction/', 'choosePage'),
      },
      mfaPageStep('mfa choose page', 'choosePage', 'choose'),
      mfaPostStep('mfa choose passcode', (context) => ({ method: context.vars.method ?? '' }), '/interaction/', 'codePage'),
      mfaPageStep('mfa code page', 'codePage', 'code'),
      mfaPostStep('mfa passcode', (context) => ({ action: 'verify', code: context.vars.totp ?? '' }), '/auth/', 'resume'),
    ],
  };
}
