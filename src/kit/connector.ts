/**
 * The directory connector contract: what a site's directory (admit's local
 * directory, LDAP / Active Directory, Microsoft Entra ID) implements. Plugins
 * import this file (through src/kit/index.ts) and nothing else from src/.
 */

/** Who the directory says the person is. `externalId` is the directory's immutable id. */
export interface DirectoryIdentity {
  externalId: string;
  username: string;
  name?: string;
  email?: string;
  emailVerified?: boolean;
  phoneNumber?: string;
  groups: string[];
}

/**
 * The outcome of a password check. Each directory state maps to the next step
 * in the sign-in, not to a generic failure; `unavailable` is never counted as
 * a failed attempt.
 */
export type PasswordOutcome =
  | { status: 'ok'; identity: DirectoryIdentity }
  | { status: 'invalid' }
  | { status: 'locked' }
  /** The password was right but must be changed first; identity when the directory can still tell it. */
  | { status: 'password_expired'; identity?: DirectoryIdentity }
  | { status: 'disabled' }
  | { status: 'unavailable'; reason: string };

/**
 * The outcome of writing a password to the directory. `refused` carries the
 * directory's own reason (its password policy, AD complexity) in words a user
 * can act on; admit's own policy has already been checked before the call.
 */
export type PasswordWriteOutcome =
  | { status: 'ok' }
  | { status: 'invalid_old_password' }
  | { status: 'refused'; reason: string }
  | { status: 'not_found' }
  | { status: 'unavailable'; reason: string };

export type UnlockOutcome = { status: 'ok' } | { status: 'not_found' } | { status: 'unavailable'; reason: string };

export interface PasswordConnector {
  readonly kind: string;
  verifyPassword(input: { username: string; password: string }): Promise<PasswordOutcome>;
  /** The user's own change, proved by the old password. */
  changePassword?(input: { username: string; oldPassword: string; newPassword: string }): Promise<PasswordWriteOutcome>;
  /** An administrative reset (forgotten password, admin action): no old password. */
  resetPassword?(input: { username: string; newPassword: string }): Promise<PasswordWriteOutcome>;
  /** Clears the directory's own lock on the account. */
  unlock?(input: { username: string }): Promise<UnlockOutcome>;
  /** Reports whether the directory can be reached; used by /readyz. */
  health(): Promise<{ ok: true } | { ok: false; reason: string }>;
  close?(): Promise<void>;
}
