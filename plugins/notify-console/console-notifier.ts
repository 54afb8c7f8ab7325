import type { NotifierPlugin } from '../../src/kit/index.ts';

/**
 * The embedded default: writes each text message or call script to the log
 * instead of sending it. For development and trials only; the code is in
 * the log line.
 */
export const consoleNotifier: NotifierPlugin<Record<string, never>> = {
  kind: 'console',
  parseSettings(raw) {
    const extra = Object.keys((raw ?? {}) as object).filter((key) => key !== 'kind');
    return extra.length === 0 ? { ok: true, settings: {} } : { ok: false, problems: extra.map((key) => `${key}: not an option of the console notifier`) };
  },
  create(_settings, context) {
    return {
      kind: 'console',
      async send(message) {
        context.log({ channel: message.channel, to: message.to, text: message.text }, `${message.channel} (console notifier)`);
        return { status: 'sent' };
      },
    };
  },
};
