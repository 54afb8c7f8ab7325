import type { Notifier, NotifierContext, NotifierPlugin } from '../../kit/notifier.ts';
import type { SmsSettings } from './settings-schema.ts';
import { consoleNotifier } from '../../../plugins/notify-console/console-notifier.ts';
import { twilioNotifier } from '../../../plugins/notify-twilio/twilio-notifier.ts';
import { webhookNotifier } from '../../../plugins/notify-webhook/webhook-notifier.ts';

/** The notifiers this build ships, by `sms.notifier.kind`. */
const plugins: Record<string, NotifierPlugin<never>> = {
  console: consoleNotifier as NotifierPlugin<never>,
  twilio: twilioNotifier as NotifierPlugin<never>,
  webhook: webhookNotifier as NotifierPlugin<never>,
};

/** Builds the configured notifier; a wrong option stops start-up with its path named. */
export function createNotifier(settings: SmsSettings, context: Omit<NotifierContext, 'timeoutMs'>): Notifier {
  const { kind } = settings.notifier;
  const plugin = plugins[kind];
  if (!plugin) throw new Error(`sms.notifier.kind: no "${kind}" notifier in this version of admit (use ${Object.keys(plugins).join(', ')})`);
  const parsed = plugin.parseSettings(settings.notifier);
  if (!parsed.ok) throw new Error(parsed.problems.map((problem) => `sms.notifier.${problem}`).join('; '));
  return plugin.create(parsed.settings, { ...context, timeoutMs: settings.timeoutMs });
}
