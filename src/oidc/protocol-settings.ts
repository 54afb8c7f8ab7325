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
    // OAuth 2.1: every authorization code request carries an S256 challenge.
    pkce: { required: () => true },
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
} satisfies Configuration['features'];
