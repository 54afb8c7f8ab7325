import type { Configuration } from 'oidc-provider';

/**
 * Which browser origins may read admit's answers on the client endpoints
 * (token, userinfo, introspection, revocation): oidc-provider's
 * `clientBasedCORS`. A client's allowed origins are the origins of its
 * registered `redirect_uris`, nothing else. Outside userinfo only public
 * clients (`token_endpoint_auth_method: none`) get CORS at all: a browser app
 * cannot keep a secret, and a confidential client calls from its server.
 * Any other origin gets no Access-Control-Allow-Origin and `invalid_request`.
 */
export const clientBasedCORS: NonNullable<Configuration['clientBasedCORS']> = (ctx, origin, client) => {
  if (origin === 'null') return false;
  if (ctx.oidc.route !== 'userinfo' && client.clientAuthMethod !== 'none') return false;
  return client.redirectUris?.some((uri) => URL.parse(uri)?.origin === origin) ?? false;
};
