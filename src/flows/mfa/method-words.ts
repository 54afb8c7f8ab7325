import { type Text, text } from '../../i18n/text.ts';
import type { MfaMethod } from '../../kit/mfa-method.ts';

type Words = 'label' | 'action' | 'promptTitle' | 'promptLabel' | 'whenILogIn';

function englishOf(method: MfaMethod, words: Words): string | undefined {
  if (words === 'promptTitle' || words === 'promptLabel')
    return method.prompt.kind === 'code' ? method.prompt[words === 'promptTitle' ? 'title' : 'label'] : undefined;
  return method[words];
}

/**
 * A method's words in the page's language: `mfa:method.<id>.<words>`, with
 * the plugin's own English as the fallback, so a method added without
 * translations still shows its words.
 */
export function methodWords(method: MfaMethod, words: Words): Text {
  return text(`mfa:method.${method.id}.${words}`, { defaultValue: englishOf(method, words) ?? method.id });
}
