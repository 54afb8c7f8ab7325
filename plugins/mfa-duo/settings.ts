import { z } from 'zod';

/**
 * A site's `mfa.duo` section: Duo's Universal Prompt as an extra second
 * factor, for operators who already run Duo. The values come from the
 * "Web SDK" application in the Duo Admin Panel.
 */
export const duoSettingsSchema = z.object({
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
}).strict();

export type DuoSettings = z.infer<typeof duoSettingsSchema>;
