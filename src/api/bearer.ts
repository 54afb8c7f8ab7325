import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import { type ApiClient, actorOfClient } from './api-clients.ts';
import { ApiProblem } from './problem.ts';
import type { ApiScope } from './scopes.ts';

/** Who is calling, once the token checked out: the client, its actor, and the scopes this token grants. */
export interface ApiCaller {
  client: ApiClient;
  actor: ReturnType<typeof actorOfClient>;
  scopes: Set<ApiScope>;
}

const REALM = 'admit';
const challenge = (error?: string, description?: string, scope?: string) =>
  [`Bearer realm="${REALM}"`, error && `error="${error}"`, description && `error_description="${description}"`, scope && `scope="${scope}"`]
    .filter(Boolean)
    .join(', ');

const unauthorized = (error: string | undefined, detail: string) =>
  new ApiProblem(401, error ?? 'unauthorized', detail, { headers: { 'www-authenticate': challenge(error, error ? detail : undefined) } });

/**
 * The access token of a management API call (RFC 6750): a client_credentials
 * token admit issued for this API's resource indicator, looked up through
 * oidc-provider's own model (opaque tokens live in the store; an expired,
 * revoked or unknown one is not found). Its client must still be an API
 * client, and its scopes are those it was issued with that the client's
 * registration still lists (a scope removed from the config ends at once).
 */
export function bearerAuth(deps: { provider: Provider; resource: string; apiClients: () => Map<string, ApiClient>; allSiteIds: () => string[] }): Middleware {
  return async (ctx: Context, next) => {
    const header = ctx.get('authorization');
    if (!header) throw unauthorized(undefined, 'This API needs an access token: Authorization: Bearer <token> (client_credentials).');
    const match = /^Bearer ([A-Za-z0-9\-._~+/]{1,2000}=*)$/i.exec(header);
    if (!match) throw unauthorized('invalid_request', 'The Authorization header is not a Bearer token.');
    const token = await deps.provider.ClientCredentials.find(match[1]!, { ignoreExpiration: true });
    if (!token) throw unauthorized('invalid_token', 'The access token is not valid.');
    if (token.isExpired) throw unauthorized('invalid_token', 'The access token has expired.');
    const audience = [token.aud].flat();
    if (!audience.includes(deps.resource)) throw unauthorized('invalid_token', 'The access token is not for this API.');
    // A sender-constrained token needs its proof checked; this API takes plain bearer tokens only.
    if (token.jkt || token['x5t#S256']) throw unauthorized('invalid_token', 'The access token is sender-constrained; this API takes bearer tokens.');
    const client = token.clientId === undefined ? undefined : deps.apiClients().get(token.clientId);
    if (!client) throw unauthorized('invalid_token', 'The access token is not of a management API client.');
    const scopes = new Set([...(token.scope ?? '').split(' ')].filter((scope): scope is ApiScope => client.scopes.has(scope as ApiScope)));
    ctx.state.apiCaller = { client, actor: actorOfClient(client, deps.allSiteIds()), scopes } satisfies ApiCaller;
    await next();
  };
}

export const callerOf = (ctx: Context) => ctx.state.apiCaller as ApiCaller;

/** The route's scope, or 403 insufficient_scope naming it (RFC 6750 3.1). */
export function requireScope(scope: ApiScope): Middleware {
  return (ctx, next) => {
    if (!callerOf(ctx).scopes.has(scope)) {
      throw new ApiProblem(403, 'insufficient_scope', `This call needs the scope ${scope}.`, {
        headers: { 'www-authenticate': challenge('insufficient_scope', `This call needs the scope ${scope}.`, scope) },
      });
    }
    return next();
  };
}
