/**
 * The MFA method contract: one plugin per way of proving the second factor
 * (plugins/mfa-*), registered once in the composition root. What a method
 * is (its label, icon, where it lives, what it can do at "When I log in",
 * whether it proves identity for Reset Password / Unlock Account) and how
 * it is checked live here together, so sign-in, enrollment, the portal and
 * recovery all ask the same plugin. admit's MFA service keeps what every
 * method shares: storage, attempt limits, audit, the flow a challenge is
 * bound to.
 */
import type { DeviceType, WebAuthnCredentialRecord } from './factor.ts';

/** RFC 8176 `amr` values that mean a second factor was used; `mfa` is added beside them (or alone, by a trusted browser). */
export const SECOND_FACTOR_AMR: ReadonlySet<string> = new Set(['otp', 'sms', 'tel', 'hwk', 'swk']);

/** What a method reads of a stored device: its credentials, never shown raw. */
export interface MfaDeviceView {
  id: string;
  type: DeviceType;
  phone?: { e164: string; country: string; national: string };
  /** The authenticator app's secret, sealed by admit. */
  totp?: { sealedSecret: string };
  webauthn?: WebAuthnCredentialRecord;
  /** Credentials of methods admit has no field for, by method id (sealed or hashed by the method). */
  credentials?: Record<string, string>;
}

export type MfaCheck =
  /** `deviceId`: the device that answered, when the method found it itself (the key that signed). */
  { status: 'ok'; amr: string; deviceId?: string } | { status: 'invalid' | 'expired' | 'replayed' | 'too_many_attempts' | 'unavailable' };

export type MfaSend =
  | { status: 'sent' }
  | { status: 'cooldown' }
  | { status: 'rate_limited'; scope: 'number' | 'account' | 'ip' }
  | { status: 'country_not_allowed' }
  | { status: 'failed'; reason: string };

/**
 * What admit lends a method to check a proof: its guarded engines (codes
 * with send limits and attempts, TOTP steps taken once, WebAuthn challenges
 * taken once, recovery codes used once) and the secret box.
 */
export interface MfaMethodTools {
  phoneCodes: {
    send(input: {
      bindTo: string;
      accountId: string;
      ip: string;
      phone: NonNullable<MfaDeviceView['phone']>;
      channel: 'sms' | 'call';
      siteName: string;
      /** The language of the text or call (a BCP 47 tag: the sign-in's); English without one. */
      locale?: string;
    }): Promise<MfaSend>;
    verify(input: {
      bindTo: string;
      phone: NonNullable<MfaDeviceView['phone']>;
      code: string;
    }): Promise<{ status: 'ok'; channel: 'sms' | 'call' } | { status: 'invalid' | 'expired' | 'too_many_attempts' }>;
  };
  totp: { verify(factorId: string, sealedSecret: string, code: string): Promise<'ok' | 'invalid' | 'replayed'> };
  securityKeys: {
    verifyAuthentication(input: { bindTo: string; accountId: string; response: unknown }): Promise<{ deviceId: string; amr: string } | undefined>;
  };
  recoveryCodes: { remaining(accountId: string): Promise<number>; consume(accountId: string, code: string): Promise<boolean> };
  box: { seal(plain: string): string; open(sealed: string): string };
}

/** A proof as a page posts it: a typed code or a WebAuthn response, for one device (or the account). */
export interface MfaProof {
  accountId: string;
  /** The flow the proof belongs to (a sign-in, a portal flow): codes and challenges sent for another do not count. */
  bindTo: string;
  device?: MfaDeviceView;
  code?: string;
  response?: unknown;
}

export interface MfaMethod {
  /** Stable id: stored in policies (`mfa.methods`), audit rows and page state. */
  readonly id: string;
  /** What the portal and the audit call it ("Text message"). */
  readonly label: string;
  /** The sign-in's button for it ("Text me"). */
  readonly action: string;
  /** A short icon name, for pages that show one beside the method (CSS class `method-<icon>`). */
  readonly icon: string;
  /** How the person answers: a typed code (sent, or read off something they hold), or a security-key ceremony. */
  readonly prompt:
    | { kind: 'code'; title: string; label: string /** six digits (spaces and dashes dropped), or any text the method reads */; format: 'digits' | 'text' }
    | { kind: 'key' };
  /** The device types that can carry the method; none: it belongs to the account (recovery codes). */
  readonly deviceTypes: readonly DeviceType[];
  /** Its "When I log in" choice: started for the default device without asking (a text, a call). */
  readonly whenILogIn?: string;
  /** Whether a proof with it lets a person reset their password or unlock their account. */
  readonly provesIdentity: boolean;
  /** The `amr` a proof with it claims (a WebAuthn check may name a synced passkey's instead). */
  readonly amr: string;
  /** Managing devices: whether it can be added to a device that already exists (an app on a phone). */
  readonly addToExisting?: boolean;
  /** Whether the device holds this method's credential. */
  carriedBy(device: MfaDeviceView): boolean;
  /** For account-wide methods: whether the account can use it now. */
  available?(accountId: string, tools: MfaMethodTools): Promise<boolean>;
  /** Sends what the person then types (a text, a call); methods read off a device have none. */
  send?(
    input: { bindTo: string; accountId: string; ip: string; siteName: string; device: MfaDeviceView; locale?: string },
    tools: MfaMethodTools,
  ): Promise<MfaSend | { status: 'unavailable' }>;
  /** Checks a proof; attempt limits and audit are admit's, around this. */
  verify(proof: MfaProof, tools: MfaMethodTools): Promise<MfaCheck>;
}
