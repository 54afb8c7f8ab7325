import { z } from 'zod';

/*
 * The MFA settings as the configuration reads them (the `sms` section, a
 * site's `mfa` policy, its `mfa.duo`): part of the plugin kit, so config
 * validates them without knowing a service or a plugin. Method ids in
 * `mfa.methods` are checked against the registered methods at start-up
 * (services/mfa/mfa-service.ts), not here.
 */

/**
 * Where SMS pumping is a risk, only these countries' numbers may receive
 * codes. The default covers North America, Western Europe and Oceania;
 * sites elsewhere list their own.
 */
export const DEFAULT_SMS_COUNTRIES = ['US', 'CA', 'GB', 'IE', 'FR', 'DE', 'NL', 'BE', 'LU', 'CH', 'AT', 'ES', 'PT', 'IT', 'SE', 'NO', 'DK', 'FI', 'AU', 'NZ'];

/** The top-level `sms` section: how text and voice codes are sent, and the limits on sending them. */
export const smsSettingsSchema = z
  .object({
    /** `{kind: console}` (the default: codes go to the log), `{kind: twilio, …}` or `{kind: webhook, …}`; each plugin checks its own options. */
    notifier: z.object({ kind: z.string() }).passthrough().default({ kind: 'console' }),
    /** Deadline of every call to the gateway. */
    timeoutMs: z.number().int().min(100).max(60_000).default(5000),
    /** How long a sent code stays valid (at most 10 minutes). */
    codeTtlSeconds: z.number().int().min(60).max(600).default(600),
    /** Wrong entries of one code before it is burnt. */
    maxAttempts: z.number().int().min(1).max(10).default(5),
    /** Wait between two codes to the same sign-in. */
    resendCooldownSeconds: z.number().int().min(0).max(600).default(30),
    /** Codes sent per phone number, per account and per client IP in a rolling hour (fixed window). */
    perNumberPerHour: z.number().int().min(1).max(1000).default(5),
    perAccountPerHour: z.number().int().min(1).max(1000).default(10),
    perIpPerHour: z.number().int().min(1).max(100_000).default(30),
    /** ISO 3166 country codes whose numbers may be enrolled and texted or called. */
    allowedCountries: z
      .array(z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 two-letter country code'))
      .min(1)
      .default(DEFAULT_SMS_COUNTRIES),
  })
  .strict();

/**
 * A site's `mfa.duo` section: Duo's Universal Prompt as an extra second
 * factor, for operators who already run Duo. The values come from the
 * "Web SDK" application in the Duo Admin Panel.
 */
export const duoSettingsSchema = z
  .object({
    clientId: z.string().regex(/^[A-Z0-9]{20}$/, 'the 20-character Client ID of a Duo Web SDK application'),
    clientSecret: z.string().length(40, 'the 40-character Client secret of the Duo application'),
    /** The application's API hostname, e.g. api-xxxxxxxx.duosecurity.com (Duo is reached over HTTPS only). */
    apiHost: z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, 'a host name such as api-xxxxxxxx.duosecurity.com'),
    /** Which of the user's names Duo knows them by. */
    username: z.enum(['username', 'email']).default('username'),
    /**
     * When Duo cannot be reached: `closed` (the default) refuses Duo and the
     * user picks another of their methods; `open` lets the sign-in go on
     * without a second factor (claimed as such: `pwd` only), never when the
     * application asked for the MFA level.
     */
    failMode: z.enum(['closed', 'open']).default('closed'),
    /** Deadline of every call to Duo (health check, code exchange). */
    timeoutMs: z.number().int().min(500).max(30_000).default(5000),
    /** How long a health check's answer is reused. */
    healthCacheSeconds: z.number().int().min(0).max(300).default(30),
  })
  .strict();

/** A site's `mfa` policy. */
export const mfaPolicySchema = z
  .object({
    /**
     * Every user of the site must enroll a second factor and use it at sign-in
     * (the seed's first sign-in walks through enrollment). Users who enrolled
     * are asked for it either way.
     */
    required: z.boolean().default(true),
    /**
     * The methods the enrollment offers, by id (sms, call, totp, webauthn, or a plugin's); unset: every registered
     * method. The device types follow from the methods' plugins (phone: sms/call/totp, tablet: totp, …).
     */
    methods: z
      .array(z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'a method id such as sms or totp'))
      .min(1)
      .optional(),
    /** Offer recovery codes at the end of the enrollment. */
    recoveryCodes: z.boolean().default(true),
    /** "Trust this browser": days the second factor is skipped on a trusted browser; 0 hides the box. */
    trustBrowserDays: z.number().int().min(0).max(365).default(180),
    /** A trusted-browser sign-in claims `mfa` in amr (and the MFA acr). Off: it claims only what was done (`pwd`). */
    trustedBrowserCountsAsMfa: z.boolean().default(false),
    /** Adding or removing a device needs a second factor proved within this many seconds. */
    freshFactorSeconds: z.number().int().min(60).max(3600).default(600),
    /** Failed second-factor checks per account per window before checks are refused for the window. */
    maxFailedVerifications: z.number().int().min(3).max(1000).default(10),
    failureWindowSeconds: z.number().int().min(60).max(86_400).default(900),
    /** Duo's Universal Prompt as a further method (duoSettingsSchema above); Duo enrolls its users itself. */
    duo: duoSettingsSchema.optional(),
  })
  .strict();

export type SmsSettings = z.infer<typeof smsSettingsSchema>;
export type MfaPolicy = z.infer<typeof mfaPolicySchema>;
export type DuoSettings = z.infer<typeof duoSettingsSchema>;
