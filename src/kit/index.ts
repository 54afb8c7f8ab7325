// The plugin kit: the only part of src/ that plugins import.

export type { Store } from '../store/port.ts';
export { storeKey } from '../store/port.ts';
export type {
  DirectoryCapabilities,
  DirectoryFactory,
  DirectoryIdentity,
  DirectoryPlugin,
  DirectorySchema,
  DirectorySettings,
  DirectorySite,
  DirectoryUsers,
  FederatedBegin,
  FederatedCallback,
  FederatedConnector,
  FederatedContext,
  FederatedIdentity,
  FederatedOutcome,
  NewDirectoryUser,
  PasswordConnector,
  PasswordOutcome,
  PasswordWriteOutcome,
  UnlockOutcome,
} from './connector.ts';
export { defineDirectoryPlugin, UsernameTakenError } from './connector.ts';
export type { DeviceType, RecoveryCodeGenerator, TotpAlgorithm, WebAuthnCredentialRecord, WebAuthnRelyingParty } from './factor.ts';
export { amrOfWebAuthn } from './factor.ts';
export type { DuoOutcome, DuoPlugin, DuoPrompt } from './mfa-duo.ts';
export { type MfaCheck, type MfaDeviceView, type MfaMethod, type MfaMethodTools, type MfaProof, type MfaSend, SECOND_FACTOR_AMR } from './mfa-method.ts';
export {
  DEFAULT_SMS_COUNTRIES,
  type DuoSettings,
  duoSettingsSchema,
  type MfaPolicy,
  mfaPolicySchema,
  type SmsSettings,
  smsSettingsSchema,
} from './mfa-settings.ts';
export type { Notifier, NotifierChannel, NotifierContext, NotifierMessage, NotifierOutcome, NotifierPlugin } from './notifier.ts';
export { ARGON2_PARAMETERS, type Argon2Parameters, hashPassword, makeDecoyHash, needsRehash, verifyPassword } from './password-hash.ts';
export { canonicalUsername, checkUsername, legacyUsernameKey, type UsernameCheck, UsernameNotAllowedError, usernameAllowed } from './username.ts';
