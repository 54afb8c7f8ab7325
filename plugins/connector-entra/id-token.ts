import { timingSafeEqual } from 'node:crypto';
import { errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { allowedTenantsOf, type EntraSettings, expectedIssuer } from './settings.ts';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type IdTokenCheck = { status: 'ok'; claims: JWTPayload & Record<string, unknown> } | { status: 'rejected'; reason: string };

/**
 * Checks Microsoft's ID token ourselves: MSAL checks neither its signature,
 * issuer, audience nor expiry. Signature (RS256, Microsoft's published
 * keys), audience (our client id), time (with tolerance), nonce (this round
 * trip's), tenant (`tid` in the allow-list) and issuer (that tenant's
 * exactly, so a token of another tenant cannot pose as an allowed one).
 * A failure to read the keys is thrown (Microsoft unavailable), not rejected.
 */
export async function checkIdToken(raw: string, input: { settings: EntraSettings; keys: JWTVerifyGetKey; nonce: string }): Promise<IdTokenCheck> {
  const { settings } = input;
  let claims: JWTPayload & Record<string, unknown>;
  try {
    ({ payload: claims } = await jwtVerify(raw, input.keys, {
      algorithms: ['RS256'],
      audience: settings.clientId,
      clockTolerance: settings.clockToleranceSeconds,
      requiredClaims: ['iss', 'aud', 'exp', 'iat', 'tid', 'oid'],
    }));
  } catch (error) {
    const reason = rejectionOf(error);
    if (reason) return { status: 'rejected', reason };
    throw error;
  }
  const tid = String(claims.tid).toLowerCase();
  const oid = String(claims.oid).toLowerCase();
  if (!GUID.test(tid) || !GUID.test(oid)) return { status: 'rejected', reason: 'tid_or_oid_malformed' };
  if (!allowedTenantsOf(settings).has(tid)) return { status: 'rejected', reason: 'tenant_not_allowed' };
  if (String(claims.iss).toLowerCase() !== expectedIssuer(settings, tid).toLowerCase()) return { status: 'rejected', reason: 'issuer_mismatch' };
  if (typeof claims.nonce !== 'string' || !equal(claims.nonce, input.nonce)) return { status: 'rejected', reason: 'nonce_mismatch' };
  return { status: 'ok', claims };
}

/** The reason for a token jose refused; undefined for failures that are not the token's (network). */
function rejectionOf(error: unknown): string | undefined {
  if (error instanceof errors.JWTExpired) return 'id_token_expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `id_token_claim_${error.claim}`;
  if (error instanceof errors.JWKSNoMatchingKey) return 'unknown_signing_key';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'bad_signature';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm_not_allowed';
  if (error instanceof errors.JWTInvalid || error instanceof errors.JWSInvalid || error instanceof errors.JOSENotSupported) return 'id_token_malformed';
  if (error instanceof errors.JWKSInvalid || error instanceof errors.JWKSMultipleMatchingKeys) return 'signing_keys_invalid';
  return undefined;
}

function equal(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
