import type { Configuration } from 'oidc-provider';
import type { Config } from '../config/schema.ts';
import { claimsByScope } from './find-account.ts';

export const ACR_PASSWORD = 'urn:admit:acr:pwd';
export const ACR_MFA = 'urn:admit:acr:mfa';

/**
 * The protocol half of admit's oidc-provider configuration: scopes and
 * claims, acr values, PKCE, refresh rotation, token lifetimes and the
 * protocol features. Shared with the benchmark's bare-oidc-provider baseline,
 * so the two always measure the same protocol.
 */
export function protocolSettings(tokens: Config['tokens']) {
  return {
    claims: claimsByScope,
    scopes: ['openid', 'offline_access', 'profile', 'email', 'phone', 'tenant', 'groups'],
    acrValues: [ACR_PASSWORD, ACR_MFA],
    responseTypes: ['code'],
    // PKCE (S256) is required of public clients always, and of confidential
    // ones unless registered with `pkce_required: false` (legacy relying parties).
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' || (client as { pkce_required?: boolean }).pkce_required !== false },
    // OIDC Core 3.1.2.1: redirect_uri is required even when a client registered only one.
    allowOmittingSingleRegisteredRedirectUri: false,
    clientDefaults: {
      grant_types: ['authorization_code'],
      id_token_signed_response_alg: 'RS256',
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      // ID tokens and logout tokens carry `sid` for clients with a back-channel logout URI.
      backchannel_logout_session_required: true,
    },
    rotateRefreshToken: true,
    ttl: {
      AccessToken: tokens.accessTokenSeconds,
      ClientCredentials: tokens.accessTokenSeconds,
      IdToken: tokens.idTokenSeconds,
      RefreshToken: tokens.refreshTokenSeconds,
      Session: tokens.sessionSeconds,
      Grant: tokens.refreshTokenSeconds,
      Interaction: tokens.interactionSeconds,
      AuthorizationCode: 60,
    },
  } satisfies Configuration;
}

/** The protocol features both admit and the baseline enable. */
export const protocolFeatures = {
  clientCredentials: { enabled: true },
  introspection: { enabled: true },
  revocation: { enabled: true },
  userinfo: { enabled: true },
  backchannelLogout: { enabled: true },
  // The `claims` request parameter (OIDC Core 5.5), essential claims included.
  claimsParameter: { enabled: true },
  // RFC 9449: sender-constrained access and refresh tokens, for clients that send DPoP proofs.
  dPoP: { enabled: true },
  // RFC 9126: the pushed authorization request endpoint (/request).
  pushedAuthorizationRequests: { enabled: true },
} satisfies Configuration['features'];
