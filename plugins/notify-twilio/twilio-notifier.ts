import { z } from 'zod';
import type { NotifierMessage, NotifierOutcome, NotifierPlugin } from '../../src/kit/index.ts';

const settingsSchema = z
  .object({
    kind: z.literal('twilio'),
    accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'a Twilio Account SID (AC + 32 hex digits)'),
    authToken: z.string().min(16, 'the Auth Token of the account'),
    /** The sending number (E.164); or a Messaging Service for texts. */
    from: z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/, 'an E.164 number such as +12015550123')
      .optional(),
    messagingServiceSid: z
      .string()
      .regex(/^MG[0-9a-fA-F]{32}$/)
      .optional(),
    apiBase: z.url().default('https://api.twilio.com'),
  })
  .strict()
  .refine((value) => value.from !== undefined || value.messagingServiceSid !== undefined, { message: 'set from (needed for calls) or messagingServiceSid' });

type TwilioSettings = z.infer<typeof settingsSchema>;

/**
 * Texts and calls through Twilio's REST API: Messages for SMS, Calls with
 * inline TwiML (<Say>, twice) for voice. Every request has a deadline.
 */
export const twilioNotifier: NotifierPlugin<TwilioSettings> = {
  kind: 'twilio',
  parseSettings(raw) {
    const parsed = settingsSchema.safeParse(raw);
    return parsed.success
      ? { ok: true, settings: parsed.data }
      : { ok: false, problems: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(notifier)'}: ${issue.message}`) };
  },
  create(settings, context) {
    const base = `${settings.apiBase.replace(/\/$/, '')}/2010-04-01/Accounts/${settings.accountSid}`;
    const authorization = `Basic ${Buffer.from(`${settings.accountSid}:${settings.authToken}`).toString('base64')}`;

    function form(message: NotifierMessage): { path: string; body: URLSearchParams } | undefined {
      if (message.channel === 'sms') {
        const sender: Record<string, string> = settings.messagingServiceSid ? { MessagingServiceSid: settings.messagingServiceSid } : { From: settings.from! };
        return { path: '/Messages.json', body: new URLSearchParams({ To: message.to, ...sender, Body: message.text }) };
      }
      if (!settings.from) return undefined;
      const say = `<Say>${escapeXml(message.text)}</Say>`;
      return {
        path: '/Calls.json',
        body: new URLSearchParams({ To: message.to, From: settings.from, Twiml: `<Response>${say}<Pause length="1"/>${say}</Response>` }),
      };
    }

    return {
      kind: 'twilio',
      async send(message): Promise<NotifierOutcome> {
        const request = form(message);
        if (!request) return { status: 'failed', reason: 'voice calls need sms.notifier.from' };
        try {
          const response = await context.fetch(`${base}${request.path}`, {
            method: 'POST',
            body: request.body,
            signal: AbortSignal.timeout(context.timeoutMs),
            headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          });
          const payload = (await response.json().catch(() => ({}))) as { sid?: string; code?: number; message?: string };
          if (response.ok) return { status: 'sent', id: payload.sid };
          return { status: 'failed', reason: `twilio answered ${response.status}${payload.code ? ` (error ${payload.code})` : ''}` };
        } catch (error) {
          return {
            status: 'failed',
            reason: (error as Error).name === 'TimeoutError' ? 'twilio did not answer in time' : `twilio unreachable: ${(error as Error).message}`,
          };
        }
      },
    };
  },
};

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[char] ?? char);
}
