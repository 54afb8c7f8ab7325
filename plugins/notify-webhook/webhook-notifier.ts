import { createHmac } from 'node:crypto';
import { z } from 'zod';
import type { NotifierOutcome, NotifierPlugin } from '../../src/kit/index.ts';

const settingsSchema = z
  .object({
    kind: z.literal('webhook'),
    /** Where admit posts each message; https only. */
    url: z.url().refine((value) => value.startsWith('https://'), 'use an https:// URL'),
    /** Shared secret for the X-Admit-Signature header (HMAC-SHA256 of "<timestamp>.<body>"). */
    secret: z.string().min(32, 'use at least 32 characters'),
  })
  .strict();

type WebhookSettings = z.infer<typeof settingsSchema>;

/**
 * A generic HTTPS webhook for any SMS / voice gateway: admit posts
 * `{"to", "channel", "text"}` as JSON, signed so the receiver can tell the
 * request came from admit and is fresh. Any 2xx answer means sent.
 */
export const webhookNotifier: NotifierPlugin<WebhookSettings> = {
  kind: 'webhook',
  parseSettings(raw) {
    const parsed = settingsSchema.safeParse(raw);
    return parsed.success
      ? { ok: true, settings: parsed.data }
      : { ok: false, problems: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(notifier)'}: ${issue.message}`) };
  },
  create(settings, context) {
    return {
      kind: 'webhook',
      async send(message): Promise<NotifierOutcome> {
        const body = JSON.stringify({ to: message.to, channel: message.channel, text: message.text });
        const timestamp = String(Math.floor(Date.now() / 1000));
        const signature = createHmac('sha256', settings.secret).update(`${timestamp}.${body}`).digest('hex');
        try {
          const response = await context.fetch(settings.url, {
            method: 'POST',
            body,
            redirect: 'error',
            signal: AbortSignal.timeout(context.timeoutMs),
            headers: { 'content-type': 'application/json', 'x-admit-timestamp': timestamp, 'x-admit-signature': `sha256=${signature}` },
          });
          await response.body?.cancel();
          return response.ok ? { status: 'sent' } : { status: 'failed', reason: `webhook answered ${response.status}` };
        } catch (error) {
          return {
            status: 'failed',
            reason: (error as Error).name === 'TimeoutError' ? 'webhook did not answer in time' : `webhook unreachable: ${(error as Error).message}`,
          };
        }
      },
    };
  },
};
