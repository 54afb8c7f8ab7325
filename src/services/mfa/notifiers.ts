import type { Notifier, NotifierContext, NotifierPlugin } from '../../kit/notifier.ts';
import type { SmsSettings } from './settings-schema.ts';

/**
 * Builds the configured notifier (`sms.notifier.kind`) from the notifier
 * plugins the composition root registers; a wrong kind or option stops
 * start-up with its path named.
 */
export function createNotifier(settings: SmsSettings, context: Omit<NotifierContext, 'timeoutMs'>, plugins: readonly NotifierPlugin<never>[]): Notifier {
  const { kind } = settings.notifier;
  const plugin = plugins.find((candidate) => candidate.kind === kind);
  if (!plugin) throw new Error(`sms.notifier.kind: no "${kind}" notifier in this version of admit (use ${plugins.map((known) => known.kind).join(', ')})`);
  const parsed = plugin.parseSettings(settings.notifier);
  if (!parsed.ok) throw new Error(parsed.problems.map((problem) => `sms.notifier.${problem}`).join('; '));
  return plugin.create(parsed.settings, { ...context, timeoutMs: settings.timeoutMs });
}
