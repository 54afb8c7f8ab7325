/**
 * The second-factor engines: the MFA plugins (plugins/mfa-*) implement
 * the cryptography of each factor; admit's MFA service (src/services/mfa)
 * adds storage, replay protection, attempt limits and audit around them.
 * What each method is and does lives in its method (mfa-method.ts).
 */

/** The kinds of device the enrollment wizard offers (seed step 5). */
export type DeviceType = 'mobile' | 'tablet' | 'landline' | 'security_key';

/** WebAuthn's `amr` (RFC 8176): `hwk` for a key bound to one device, `swk` for a synced passkey. */
export const amrOfWebAuthn = (credential: { multiDevice: boolean; backedUp: boolean }) => (credential.multiDevice || credential.backedUp ? 'swk' : 'hwk');

/** Time-based one-time passwords (RFC 6238). Replay protection is the caller's: the step is returned for that. */
export interface TotpAlgorithm {
  /** A new random secret, base32. */
  newSecret(): string;
  /** The otpauth:// URI an authenticator app scans. */
  uri(input: { secret: string; issuer: string; account: string }): string;
  /** The time step the code belongs to, within ±1 step of `now`; undefined when it matches none. */
  matchStep(input: { secret: string; code: string; now?: number }): number | undefined;
}

/** Recovery codes: generation and the canonical form they are hashed in. */
export interface RecoveryCodeGenerator {
  generate(count: number): string[];
  /** The canonical form of what a person typed, or undefined when it cannot be a code. */
  normalize(input: string): string | undefined;
}

/** A registered WebAuthn credential (security key or passkey), as admit stores it. */
export interface WebAuthnCredentialRecord {
  /** Credential id, base64url. */
  id: string;
  /** COSE public key, base64url. */
  publicKey: string;
  counter: number;
  transports?: string[];
  backedUp: boolean;
  multiDevice: boolean;
}

export interface WebAuthnRelyingParty {
  registrationOptions(input: {
    userId: string;
    userName: string;
    displayName?: string;
    exclude: WebAuthnCredentialRecord[];
  }): Promise<{ options: Record<string, unknown>; challenge: string }>;
  /** The new credential, or undefined when the response does not verify. */
  verifyRegistration(input: { response: unknown; challenge: string }): Promise<WebAuthnCredentialRecord | undefined>;
  authenticationOptions(input: { allow: WebAuthnCredentialRecord[] }): Promise<{ options: Record<string, unknown>; challenge: string }>;
  /** The authenticator's new signature counter, or undefined when the assertion does not verify. */
  verifyAuthentication(input: {
    response: unknown;
    challenge: string;
    credential: WebAuthnCredentialRecord;
  }): Promise<{ newCounter: number; backedUp: boolean } | undefined>;
}
