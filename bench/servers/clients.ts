/**
 * The relying applications both servers know, with the same ids and secrets,
 * so one load script drives admit and the baseline alike.
 */
export const REDIRECT_URI = 'http://127.0.0.1:9/callback';
export const RP = { id: 'bench-rp', secret: 'bench-rp-secret-0123456789-0123456789-abc' } as const;
export const MACHINE = { id: 'bench-machine', secret: 'bench-machine-secret-0123456789-0123456789' } as const;
/** Baseline only: client credentials with an ES256 JWT access token for API_RESOURCE. */
export const JWT_MACHINE = { id: 'bench-jwt', secret: 'bench-jwt-secret-0123456789-0123456789-ab' } as const;
export const API_RESOURCE = 'urn:bench:api';
/** What a relying application asks at sign-in (as test/oidc/relying-party.ts does). */
export const SIGN_IN_SCOPE = 'openid profile email phone tenant groups offline_access';

/** admit's `clients:` config block (admit's schema: first_party is admit's own field). */
export function admitClients(): Record<string, unknown>[] {
  return [
    {
      client_id: RP.id,
      client_name: 'Bench RP',
      client_secret: RP.secret,
      first_party: true,
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
    },
    { client_id: MACHINE.id, client_secret: MACHINE.secret, grant_types: ['client_credentials'] },
  ];
}

/** The same clients as plain oidc-provider metadata, plus the JWT client only the baseline has. */
export function baselineClients(): Record<string, unknown>[] {
  return [
    {
      client_id: RP.id,
      client_name: 'Bench RP',
      client_secret: RP.secret,
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
    },
    { client_id: MACHINE.id, client_secret: MACHINE.secret, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
    { client_id: JWT_MACHINE.id, client_secret: JWT_MACHINE.secret, grant_types: ['client_credentials'], response_types: [], redirect_uris: [] },
  ];
}
