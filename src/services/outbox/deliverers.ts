import type { Notifier, NotifierMessage } from '../../kit/notifier.ts';
import type { Deliverer } from './outbox-worker.ts';

/** Texts and calls: the notifier's `failed` outcome is a failed attempt (retried like any other). */
export function phoneDeliverer(notifier: Notifier): { sms: Deliverer; voice: Deliverer } {
  const deliver: Deliverer = async (_message, payload) => {
    const outcome = await notifier.send(payload as NotifierMessage);
    if (outcome.status !== 'sent') throw new Error(outcome.reason);
  };
  return { sms: deliver, voice: deliver };
}
