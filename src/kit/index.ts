// The plugin kit: the only part of src/ that plugins import.
export type { DirectoryIdentity, PasswordOutcome, PasswordConnector, PasswordWriteOutcome, UnlockOutcome } from './connector.ts';
export type { FederatedBegin, FederatedCallback, FederatedConnector, FederatedContext, FederatedIdentity, FederatedOutcome } from './connector.ts';
export type { DirectoryCapabilities, DirectoryFactory, DirectoryPlugin, DirectorySchema, DirectorySettings, DirectorySite, DirectoryUsers, NewDirectoryUser } from './connector.ts';
export { UsernameTakenError, defineDirectoryPlugin } from './connector.ts';
export { hashPassword, verifyPassword, needsRehash, makeDecoyHash, ARGON2_PARAMETERS, type Argon2Parameters } from './password-hash.ts';
export type { Store } from '../store/port.ts';
export { storeKey } from '../store/port.ts';
export type { Notifier, NotifierChannel, NotifierContext, NotifierMessage, NotifierOutcome, NotifierPlugin } from './notifier.ts';
export type { DeviceType, TotpAlgorithm, RecoveryCodeGenerator, WebAuthnCredentialRecord, WebAuthnRelyingParty } from './factor.ts';
export { amrOfWebAuthn } from './factor.ts';
export { SECOND_FACTOR_AMR, type MfaCheck, type MfaDeviceView, type MfaMethod, type MfaMethodTools, type MfaProof, type MfaSend } from './mfa-method.ts';
export type { DuoOutcome, DuoPlugin, DuoPrompt } from './mfa-duo.ts';
export { DEFAULT_SMS_COUNTRIES, smsSettingsSchema, mfaPolicySchema, duoSettingsSchema, type SmsSettings, type MfaPolicy, type DuoSettings } from './mfa-settings.ts';
export { canonicalUsername, checkUsername, usernameAllowed, legacyUsernameKey, UsernameNotAllowedError, type UsernameCheck } from './username.ts';
