import type { ApiConfig } from '../config/apis.ts';
import type { ClientConfig } from '../config/clients.ts';
import { API_SCOPES, apiResourceOf } from './scopes.ts';

/**
 * The management API as a resource server of admit's own provider (RFC
 * 8707): only API clients (`api_sites`) may ask for it, each for the admit:
 * scopes its `scope` lists (resource-servers.ts refuses others with
 * invalid_scope). Its tokens are opaque, so the API finds them through
 * oidc-provider's store, and a revoked one ends at once.
 */
export function managementApiResource(issuer: string, clients: readonly ClientConfig[]): ApiConfig {
  return {
    identifier: apiResourceOf(issuer),
    scopes: [...API_SCOPES],
    accessTokenFormat: 'opaque',
    signingAlg: 'RS256',
    clients: clients.filter((client) => client.api_sites).map((client) => client.client_id),
  };
}
