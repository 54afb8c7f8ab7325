import english from '../../locales/en/errors.json' with { type: 'json' };
import { type Text, text } from '../i18n/text.ts';

/**
 * Every message admit shows a person, keyed by code: the codes are the keys
 * of the `errors` namespace (locales/<language>/errors.json), and English
 * is read from there, so there is one copy of each sentence. Wording
 * follows the seeds where they have one. `messages` is the English text
 * (JSON error answers, logs, the admin console); pages use `messageText`,
 * translated when the page is rendered.
 */
export const messages = english;

export type MessageCode = keyof typeof english;

/** A message for a page, in the page's language (`vars` fill `{{name}}` placeholders). */
export function messageText(code: MessageCode, vars?: Record<string, unknown>): Text {
  return text(`errors:${code}`, vars);
}
