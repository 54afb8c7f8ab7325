/**
 * The notifier contract: how admit sends a one-time code by text message or
 * voice call (plugins/notify-*). A notifier only delivers; codes, limits and
 * the country allow-list are admit's (src/services/mfa/phone-codes.ts).
 */

export type NotifierChannel = 'sms' | 'voice';

export interface NotifierMessage {
  /** The number in E.164 form, e.g. +12012345678. */
  to: string;
  channel: NotifierChannel;
  /** What the person reads (sms) or hears (voice). */
  text: string;
}

export type NotifierOutcome = { status: 'sent'; id?: string } | { status: 'failed'; reason: string };

export interface Notifier {
  readonly kind: string;
  /** Never throws: a gateway error or a timeout is a `failed` outcome. */
  send(message: NotifierMessage): Promise<NotifierOutcome>;
}

/** What admit gives every notifier: a deadline for each outgoing call, fetch, and a log line writer. */
export interface NotifierContext {
  timeoutMs: number;
  fetch: typeof globalThis.fetch;
  log(entry: Record<string, unknown>, message: string): void;
}

/** A notifier plugin: validates its own settings (`sms.notifier` in the config), then builds the notifier. */
export interface NotifierPlugin<Settings = unknown> {
  readonly kind: string;
  parseSettings(raw: unknown): { ok: true; settings: Settings } | { ok: false; problems: string[] };
  create(settings: Settings, context: NotifierContext): Notifier;
}
