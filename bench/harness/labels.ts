import type { OperationId } from '../load/operations.ts';

/** What each row of the table measures. */
export const OPERATION_LABELS: Record<OperationId, string> = {
  'cc-opaque': 'client_credentials (opaque)',
  'cc-jwt': 'client_credentials (JWT ES256)',
  code: 'authorization-code exchange',
  refresh: 'refresh (rotation)',
  userinfo: 'userinfo',
  introspection: 'introspection',
  discovery: 'discovery',
  jwks: 'JWKS',
  'signin-argon2': 'sign-in, local argon2id',
  'signin-ldap': 'sign-in, OpenLDAP',
  'signin-protocol': 'sign-in protocol (hash excluded)',
};

const PASSWORD_ONLY = "password only: the bench sites do not require MFA of users who have not enrolled (admit's default requires it)";

const NOTES: Partial<Record<OperationId, string[]>> = {
  'cc-jwt': [
    'admit issues no JWT access tokens for client credentials yet (no resource server / resourceIndicators configuration): only the baseline is measured',
  ],
  code: ['codes pre-seeded by untimed sign-ins and SSO authorize requests; only POST /token is timed (access, refresh and RS256 ID token issued)'],
  refresh: ['refresh tokens pre-seeded by untimed sign-ins and code exchanges; rotation issues a new refresh, access and ID token'],
  'signin-ldap': [PASSWORD_ONLY, 'the password checked by a bind against the test OpenLDAP (slapd on the same machine); baseline: devInteractions'],
  'signin-protocol': [
    PASSWORD_ONLY,
    'as the argon2id row without its second factor, with users whose stored hash has the cheapest argon2id parameters (m=8 KiB, t=1): the hash is (nearly) excluded; baseline: devInteractions',
  ],
};

/** The notes of a row; the argon2id sign-in's depend on whether its TOTP step ran. */
export function operationNotes(op: OperationId, withTotp: boolean): string[] {
  if (op !== 'signin-argon2') return NOTES[op] ?? [];
  return withTotp
    ? [
        'authorize → sign-in page → password (argon2id m=19456 t=2 p=1) → MFA: choose Passcode → TOTP code (computed by the harness) → first-party redirect → code exchange (10 requests); baseline: devInteractions (no hash, no MFA)',
      ]
    : [
        PASSWORD_ONLY,
        'authorize → sign-in page → password (argon2id m=19456 t=2 p=1) → first-party redirect → code exchange; baseline: devInteractions (no hash)',
      ];
}
