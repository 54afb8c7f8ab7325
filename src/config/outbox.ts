import { z } from 'zod';

/** `outbox` in the config: how messages leaving admit are retried (README, Operations: the outbox). */
export const outboxSettingsSchema = z
  .object({
    /**
     * A claimed message becomes another worker's after this long without an
     * outcome (the process died or hung). Each attempt is cut off 2 s before
     * it, so keep it above the SMTP server's worst case (3 × mail.timeoutSeconds).
     */
    leaseSeconds: z.number().int().min(3).max(3600).default(120),
    /** Attempts before a message is marked failed (the console can resend it). */
    maxAttempts: z.number().int().min(1).max(50).default(10),
    /** The wait after the first failure; it doubles after each one (with jitter)… */
    retryBaseSeconds: z.number().min(0.1).max(3600).default(5),
    /** …up to this. The defaults retry for about 40 minutes before giving up. */
    retryMaxSeconds: z.number().min(1).max(86_400).default(900),
    /** Deliveries in flight at once, per admit process. */
    concurrency: z.number().int().min(1).max(100).default(4),
    /** How often an idle worker looks at the queue (new messages wake it at once in their own process). */
    pollMs: z.number().int().min(50).max(60_000).default(1000),
    /** How long a message waits for the write that causes it before it is cancelled. */
    holdSeconds: z.number().int().min(1).max(3600).default(30),
    /** Delivered, failed and cancelled messages stay listed in the console this long. */
    retentionDays: z.number().int().min(1).max(365).default(30),
  })
  .strict();

export type OutboxSettingsConfig = z.infer<typeof outboxSettingsSchema>;
