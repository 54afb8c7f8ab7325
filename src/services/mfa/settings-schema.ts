// The MFA settings schemas live in the plugin kit (src/kit/mfa-settings.ts), where config may import them; services keep this path.
export { DEFAULT_SMS_COUNTRIES, smsSettingsSchema, mfaPolicySchema, duoSettingsSchema, type SmsSettings, type MfaPolicy, type DuoSettings } from '../../kit/mfa-settings.ts';
