import { API_RESOURCE, JWT_MACHINE, MACHINE, REDIRECT_URI, RP } from '../servers/clients.ts';
import type { Pool } from './pool.ts';
import { basicAuth, FORM_HEADERS, form, type HttpResponse, type Step } from './script.ts';

/** One-request operations; pooled ones take a prepared code / token per request. */

const json = (response: HttpResponse) => JSON.parse(response.body) as Record<string, unknown>;
const okJson = (key: string, expected?: unknown) => (response: HttpResponse) =>
  response.status === 200 && (expected === undefined ? json(response)[key] !== undefined : json(response)[key] === expected);

export function clientCredentialsStep(format: 'opaque' | 'jwt'): Step {
  const client = format === 'jwt' ? JWT_MACHINE : MACHINE;
  const fields: Record<string, string> =
    format === 'jwt' ? { grant_type: 'client_credentials', resource: API_RESOURCE, scope: 'api:read' } : { grant_type: 'client_credentials' };
  const body = form(fields);
  const authorization = basicAuth(client.id, client.secret);
  return {
    name: `client credentials (${format})`,
    request: () => ({ method: 'POST', path: '/token', headers: { ...FORM_HEADERS, authorization }, body }),
    check: okJson('access_token'),
  };
}

export interface PooledCode {
  code: string;
  verifier: string;
}

export function codeExchangeStep(codes: Pool<PooledCode>): Step {
  const authorization = basicAuth(RP.id, RP.secret);
  return {
    name: 'code exchange',
    request() {
      const item = codes.take();
      return (
        item && {
          method: 'POST',
          path: '/token',
          headers: { ...FORM_HEADERS, authorization },
          body: form({ grant_type: 'authorization_code', code: item.code, redirect_uri: REDIRECT_URI, code_verifier: item.verifier }),
        }
      );
    },
    check: okJson('access_token'),
  };
}

export function refreshStep(refreshTokens: Pool<string>): Step {
  const authorization = basicAuth(RP.id, RP.secret);
  return {
    name: 'refresh',
    request() {
      const token = refreshTokens.take();
      return token
        ? { method: 'POST', path: '/token', headers: { ...FORM_HEADERS, authorization }, body: form({ grant_type: 'refresh_token', refresh_token: token }) }
        : undefined;
    },
    check: okJson('refresh_token'),
  };
}

export function userinfoStep(accessTokens: Pool<string>): Step {
  return {
    name: 'userinfo',
    request() {
      const token = accessTokens.take();
      return token ? { method: 'GET', path: '/me', headers: { authorization: `Bearer ${token}` } } : undefined;
    },
    check: okJson('sub'),
  };
}

export function introspectionStep(accessTokens: Pool<string>): Step {
  const authorization = basicAuth(MACHINE.id, MACHINE.secret);
  return {
    name: 'introspection',
    request() {
      const token = accessTokens.take();
      return token ? { method: 'POST', path: '/token/introspection', headers: { ...FORM_HEADERS, authorization }, body: form({ token }) } : undefined;
    },
    check: okJson('active', true),
  };
}

export const discoveryStep: Step = {
  name: 'discovery',
  request: () => ({ method: 'GET', path: '/.well-known/openid-configuration', headers: {} }),
  check: okJson('issuer'),
};

export const jwksStep: Step = {
  name: 'jwks',
  request: () => ({ method: 'GET', path: '/jwks', headers: {} }),
  check: okJson('keys'),
};
