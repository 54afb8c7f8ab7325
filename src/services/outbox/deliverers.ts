import type { Provider } from 'oidc-provider';
import type { Notifier, NotifierMessage } from '../../kit/notifier.ts';
import { sendBackchannelLogout } from '../backchannel-logout.ts';
import type { WebhookMessagePayload } from '../webhooks/emitter.ts';
import { guardedFetch } from '../webhooks/guarded-fetch.ts';
import { signedHeaders } from '../webhooks/signing.ts';
import type { SubscriptionStore } from '../webhooks/subscription-store.ts';
import { type WebhookUrlRule, webhookUrlProblem } from '../webhooks/webhook-url.ts';
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

/**
 * A site's event webhook (services/webhooks): the message's fixed body,
 * POSTed as JSON to the subscription's URL as it is now, signed per
 * Standard Webhooks with its secrets as they are now (a rotation applies to
 * retries too) and a fresh timestamp, with the message id as `webhook-id`.
 * Any 2xx is delivered; anything else, a redirect (never followed), a
 * refused address or no answer in time is a failed attempt, retried by the
 * worker with backoff.
 */
export function webhookDeliverer(deps: { provider: Provider; subscriptions: SubscriptionStore; urlRule: WebhookUrlRule }): { webhook: Deliverer } {
  return {
    webhook: async (message, payload) => {
      const { subscriptionId, body } = payload as WebhookMessagePayload;
      const subscription = await deps.subscriptions.find(subscriptionId);
      if (!subscription) throw new Error('the subscription was deleted');
      const problem = webhookUrlProblem(subscription.url, deps.urlRule);
      if (problem) throw new Error(problem);
      const headers = signedHeaders({ id: message.id, body, secrets: deps.subscriptions.signingSecrets(subscription) });
      let response: Response;
      try {
        response = await guardedFetch(deps.provider, subscription.url, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json', ...headers },
        });
      } catch (error) {
        const reason =
          (error as Error).name === 'TimeoutError' ? 'no answer in time' : ((error as Error & { cause?: Error }).cause?.message ?? (error as Error).message);
        throw new Error(`receiver unreachable: ${reason}`);
      }
      await response.body?.cancel();
      if (response.status >= 300 && response.status < 400) throw new Error(`receiver answered ${response.status} (redirects are not followed)`);
      if (!response.ok) throw new Error(`receiver answered ${response.status}`);
    },
  };
}
