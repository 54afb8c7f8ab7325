import type { Provider } from 'oidc-provider';
import type { Notifier, NotifierMessage } from '../../kit/notifier.ts';
import { sendBackchannelLogout } from '../backchannel-logout.ts';
import type { Deliverer } from './outbox-worker.ts';

/** Texts and calls: the notifier's `failed` outcome is a failed attempt (retried like any other). */
export function phoneDeliverer(notifier: Notifier): { sms: Deliverer; voice: Deliverer } {
  const deliver: Deliverer = async (_message, payload) => {
    const outcome = await notifier.send(payload as NotifierMessage);
    if (outcome.status !== 'sent') throw new Error(outcome.reason);
  };
  return { sms: deliver, voice: deliver };
}

/** A back-channel logout notice: which application, for whom, which session. */
export interface BackchannelNotice {
  clientId: string;
  accountId: string;
  sid: string;
}

/**
 * Back-channel logout through oidc-provider's own Client#backchannelLogout,
 * behind its one adapter (../backchannel-logout.ts): the logout token, its
 * signing, the POST. An answer other than 200 / 204
 * is a failed attempt. Each attempt's token has its own jti; its sid and sub
 * say which logout it repeats (a logout is idempotent for the application).
 */
export function backchannelDeliverer(provider: Provider): { backchannel: Deliverer } {
  return {
    backchannel: async (_message, payload) => {
      const { clientId, accountId, sid } = payload as BackchannelNotice;
      const client = await provider.Client.find(clientId);
      if (!client?.backchannelLogoutUri) throw new Error(`client ${clientId} has no backchannel_logout_uri now`);
      await sendBackchannelLogout(provider, client, accountId, sid);
    },
  };
}
