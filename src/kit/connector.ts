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
  | { status: 'password_expired' }
  | { status: 'disabled' }
  | { status: 'unavailable'; reason: string };

export interface PasswordConnector {
  readonly kind: string;
  verifyPassword(input: { username: string; password: string }): Promise<PasswordOutcome>;
  /** Reports whether the directory can be reached; used by /readyz. */
  health(): Promise<{ ok: true } | { ok: false; reason: string }>;
  close?(): Promise<void>;
}
