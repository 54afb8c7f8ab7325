import type { ClientConfig } from '../config/clients.ts';

export const CONSOLE_CLIENT_ID = 'admit-console';
export const WELCOME_CLIENT_ID = 'admit-welcome';
export const INTERNAL_CLIENT_IDS = new Set([CONSOLE_CLIENT_ID, WELCOME_CLIENT_ID]);

/**
 * admit's own first-party clients: the admin console, and the sign-in that
 * finishes an invitation. Public (no secret: the code never leaves admit),
 * PKCE like every client, consent skipped. Added to the provider's static
 * clients by compose.ts; never listed as relying applications.
 */
export function internalClients(issuer: string): ClientConfig[] {
  const client = (id: string, name: string, callback: string, signedOut: string): ClientConfig => ({
    client_id: id,
    client_name: name,
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    redirect_uris: [`${issuer}${callback}`],
    post_logout_redirect_uris: [`${issuer}${signedOut}`],
    first_party: true,
  });
  return [
    client(CONSOLE_CLIENT_ID, 'admit admin console', '/admin/callback', '/admin/signed-out'),
    client(WELCOME_CLIENT_ID, 'Customer & Partner Center', '/invite/done', '/portal'),
  ];
}
