import { Webhook } from 'standardwebhooks';

/**
 * The Standard Webhooks headers of one attempt: the message id (the same on
 * every attempt, so a receiver can drop a repeat), the attempt's time, and a
 * `v1,` signature per secret (during a rotation's overlap, the new one and
 * the previous one; a receiver holding either verifies).
 */
export function signedHeaders(input: { id: string; body: string; secrets: readonly string[]; at?: Date }): Record<string, string> {
  const at = input.at ?? new Date();
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': input.secrets.map((secret) => new Webhook(secret).sign(input.id, at, input.body)).join(' '),
  };
}
