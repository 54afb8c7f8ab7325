import { type Configuration, errors } from 'oidc-provider';
import type { ApiConfig } from '../config/apis.ts';

type ResourceIndicators = NonNullable<NonNullable<Configuration['features']>['resourceIndicators']>;

/**
 * Resource indicators (RFC 8707) for the APIs in the config's `apis`: a
 * client that names an API in `resource` gets an access token for it alone,
 * with the API's audience and only the API's scopes. JWT access tokens
 * follow RFC 9068 (`typ: at+jwt`, signed with admit's published keys);
 * opaque ones are checked at the introspection endpoint. Without a
 * `resource`, access tokens are opaque and serve the userinfo endpoint, as
 * before. An unknown API, or one the client may not ask for, is `invalid_target`.
 */
export function resourceIndicators(apis: ApiConfig[], accessTokenSeconds: number): ResourceIndicators {
  const byIdentifier = new Map(apis.map((api) => [api.identifier, api]));
  return {
    enabled: true,
    // No default API: a request names the API it wants.
    defaultResource: async () => undefined,
    // The token request names the API again (or gets a userinfo token), as RFC 8707 describes.
    useGrantedResource: async () => false,
    getResourceServerInfo: async (_ctx, indicator, client) => {
      const api = byIdentifier.get(indicator);
      if (!api || (api.clients && !api.clients.includes(client.clientId))) {
        throw new errors.InvalidTarget(`${client.clientId} may not ask for ${indicator}`);
      }
      return {
        scope: api.scopes.join(' '),
        audience: api.audience ?? api.identifier,
        accessTokenTTL: api.accessTokenSeconds ?? accessTokenSeconds,
        accessTokenFormat: api.accessTokenFormat,
        ...(api.accessTokenFormat === 'jwt' ? { jwt: { sign: { alg: api.signingAlg } } } : {}),
      };
    },
  };
}
