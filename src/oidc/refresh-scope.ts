import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import instance from 'oidc-provider/lib/helpers/weak_cache.js';
import { isFirstParty } from './first-party-grant.ts';

/**
 * A refresh that re-sends the original scope must succeed. mod_auth_openidc
 * and MSAL-style clients send `scope=openid profile email offline_access` on
 * every refresh; a first-party refresh token never carries `offline_access`
 * (it ends with the session, and oidc-provider keeps `offline_access` only
 * with `prompt=consent`), so oidc-provider would answer `invalid_scope`.
 *
 * For first-party clients `offline_access` in a refresh request is ignored:
 * the answer carries the other requested scopes, each of which the refresh
 * token must still hold (a scope it lacks is still `invalid_scope`). The
 * grant itself is oidc-provider's: this wraps its refresh_token handler and
 * registers it again with the same parameters.
 */
export function ignoreOfflineAccessOnFirstPartyRefresh(provider: Provider): void {
  const internals = instance(provider) as {
    grantTypeHandlers: Map<string, (ctx: KoaContextWithOIDC) => Promise<void>>;
    grantTypeParams: Map<string, Set<string>>;
    grantTypeDupes: Map<string, Set<string>>;
  };
  const original = internals.grantTypeHandlers.get('refresh_token');
  if (!original) throw new Error('oidc-provider has no refresh_token grant to wrap');
  const params = internals.grantTypeParams.get('refresh_token');
  const dupes = internals.grantTypeDupes.get('refresh_token');
  provider.registerGrantType(
    'refresh_token',
    async (ctx: KoaContextWithOIDC) => {
      const { params: request, client } = ctx.oidc;
      if (request && typeof request.scope === 'string' && isFirstParty(client)) {
        const kept = request.scope.split(' ').filter((scope) => scope !== 'offline_access' && scope !== '');
        request.scope = kept.length > 0 ? kept.join(' ') : undefined;
      }
      return original(ctx);
    },
    params ? [...params] : undefined,
    dupes ? [...dupes] : undefined,
  );
}
