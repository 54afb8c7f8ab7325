import type { ClientMetadata } from 'oidc-provider';

export const PORTAL_CLIENT_ID = 'admit-portal';

/**
 * The self-service portal signs people in through admit's own authorization
 * endpoint, like any relying application, so every gate (MFA, password
 * change, approval) applies to it too. It is a public first-party client;
 * it never redeems the code: the portal reads the SSO session that the
 * sign-in established in the same browser.
 */
export function portalClient(issuer: string): ClientMetadata {
  return {
    client_id: PORTAL_CLIENT_ID,
    client_name: 'Self Service Portal',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [`${issuer}/portal/callback`],
    post_logout_redirect_uris: [`${issuer}/portal`],
    first_party: true,
  } as ClientMetadata;
}
