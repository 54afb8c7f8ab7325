// The MFA settings schemas live in the plugin kit (src/kit/mfa-settings.ts), where config may import them; services keep this path.
export {
  DEFAULT_SMS_COUNTRIES,
  type DuoSettings,
  duoSettingsSchema,
  type MfaPolicy,
  mfaPolicySchema,
  type SmsSettings,
  smsSettingsSchema,
} from '../../kit/mfa-settings.ts';
