import { createScimTokens } from '../../src/services/scim-tokens.ts';
import type { RunningAdmit } from '../support/admit-server.ts';

export const TENANT = '6f1a7c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b';
export const ENTRA_DIRECTORY = { kind: 'entra', tenant: TENANT, clientId: 'admit', clientSecret: 'corp-secret' };

export interface ScimAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: a test reads SCIM's JSON answers as they come
  body: Record<string, any>;
  headers: Headers;
}

/** A site's provisioning token, made as the console makes it. */
export async function tokenFor(running: RunningAdmit, siteId: string): Promise<string> {
  return (await createScimTokens({ store: running.admit.store }).issue(siteId, 'test@SETUP')).token;
}

/**
 * A SCIM client as Microsoft Entra's provisioning service is one: the
 * tenant URL (/scim/v2/<site>), a bearer token, application/scim+json.
 */
export function scimClient(running: RunningAdmit, siteId: string, token: string | undefined) {
  const base = `${running.issuer}/scim/v2/${siteId}`;
  return async function scim(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ScimAnswer> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        accept: 'application/scim+json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : {}, headers: response.headers };
  };
}

export const filterQuery = (filter: string, extra = '') => `?filter=${encodeURIComponent(filter)}${extra}`;

/** The user Entra's provisioning creates (Microsoft's "Create User" request, RFC 7643 User with the enterprise extension). */
export function entraUser(userName: string, externalId: string, email = `${userName}@partner.test`) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
    externalId,
    userName,
    active: true,
    emails: [{ primary: true, type: 'work', value: email }],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Sales', employeeNumber: '100009' },
  };
}

export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
