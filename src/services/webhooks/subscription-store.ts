import { createHash, randomBytes } from 'node:crypto';
import { createSecretBox } from '../../lib/secret-box.ts';
import { type Store, storeKey, type WriteOp } from '../../store/port.ts';
import type { WebhookEventType } from './event-types.ts';

/** A subscription as the console and the API show it: never its secret. */
export interface WebhookSubscription {
  id: string;
  site: string;
  url: string;
  events: WebhookEventType[];
  enabled: boolean;
  description?: string;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  /** When the current signing secret was made (creation or the last rotation). */
  secretCreatedAt: string;
  /** Its place in the site's list (creation time in µs). */
  order: number;
}

/** As stored: the signing secrets sealed (secret-box, purpose "webhooks"), a copy of the store gives none away. */
export interface StoredSubscription extends WebhookSubscription {
  sealedSecret: string;
  /** The secret before the last rotation, still signed with until `until`, so receivers can switch over. */
  previous?: { sealedSecret: string; until: string };
}

/** How long deliveries carry a signature with the previous secret after a rotation. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;

// Every key of a site's subscriptions shares the hash tag {webhooks:SITE}: a subscription, the list and
// its delivery marker change in one writeAll (one Redis Cluster slot).
const tag = (site: string) => `webhooks:${site}`;
export const subscriptionKey = (site: string, id: string) => storeKey('webhook', tag(site), `sub:${id}`);
/** The site's subscriptions by creation order (cursor paging). */
export const siteListKey = (site: string) => storeKey('webhook', tag(site), 'subs');
/** Present ("on") while the subscription is enabled: the outbox delivers its messages only while it is (onlyIf). */
export const liveKey = (site: string, id: string) => storeKey('webhook', tag(site), `live:${id}`);
/** The subscription's deliveries (outbox message ids) by creation order, for the console. */
export const deliveriesKey = (site: string, id: string) => storeKey('webhook', tag(site), `deliveries:${id}`);
/** Held by the one subscription of the site to this endpoint (the URL's hash): parallel creates make one. */
const endpointKey = (site: string, url: string) => storeKey('webhook', tag(site), `url:${createHash('sha256').update(url).digest('base64url')}`);
/** Which site a subscription id belongs to: an id alone finds its record. */
const siteOfKey = (id: string) => storeKey('webhook-site', id);
export const LIVE = 'on';

/** A signing secret in the Standard Webhooks form: whsec_ and 32 random bytes, base64. */
export const newSigningSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
export const newSubscriptionId = () => `wh_${randomBytes(12).toString('base64url')}`;

/** The records, keys and sealing of subscriptions; the rules (who, what is valid, audit) are webhook-service.ts's. */
export function createSubscriptionStore(deps: { store: Store; masterSecret: string }) {
  const { store } = deps;
  const box = createSecretBox(deps.masterSecret, 'webhooks');
  const parse = (raw: string | undefined) => (raw === undefined ? undefined : (JSON.parse(raw) as StoredSubscription));

  async function find(id: string): Promise<StoredSubscription | undefined> {
    if (!/^wh_[\w-]{1,40}$/.test(id)) return undefined;
    const site = await store.get(siteOfKey(id));
    return site === undefined ? undefined : parse(await store.get(subscriptionKey(site, id)));
  }

  function getMany(site: string, ids: readonly string[]): Promise<(StoredSubscription | undefined)[]> {
    return store.getMany(ids.map((id) => subscriptionKey(site, id))).then((raws) => raws.map(parse));
  }

  /**
   * Writes the record, its place in the list, its delivery marker and its
   * endpoint's claim together. `before` is the record as read (an update):
   * a new URL is claimed only while no other subscription of the site holds
   * it, atomically. Answers false when another one does (nothing written).
   */
  async function save(subscription: StoredSubscription, before?: StoredSubscription): Promise<boolean> {
    const { site, id } = subscription;
    const ops: WriteOp[] = [
      { op: 'set', key: subscriptionKey(site, id), value: JSON.stringify(subscription) },
      { op: 'indexAdd', key: siteListKey(site), member: id, score: subscription.order },
      subscription.enabled ? { op: 'set', key: liveKey(site, id), value: LIVE } : { op: 'delete', key: liveKey(site, id) },
    ];
    if (before?.url === subscription.url) return store.writeAll(ops);
    const claim = endpointKey(site, subscription.url);
    const moved: WriteOp[] = before ? [{ op: 'delete', key: endpointKey(site, before.url) }] : [];
    await store.set(siteOfKey(id), site);
    const claimed = await store.writeAll([...ops, ...moved, { op: 'set', key: claim, value: id }], { onlyIf: { key: claim, equals: undefined } });
    if (!claimed && !before) await store.delete(siteOfKey(id));
    return claimed;
  }

  async function remove(subscription: StoredSubscription): Promise<void> {
    const { site, id } = subscription;
    await store.writeAll([
      { op: 'delete', key: subscriptionKey(site, id) },
      { op: 'indexRemove', key: siteListKey(site), member: id },
      { op: 'delete', key: liveKey(site, id) },
      { op: 'delete', key: deliveriesKey(site, id) },
      { op: 'delete', key: endpointKey(site, subscription.url) },
    ]);
    await store.delete(siteOfKey(id));
  }

  /** The secrets a delivery signs with now: the current one, and the previous during its overlap. */
  function signingSecrets(subscription: StoredSubscription, now = Date.now()): string[] {
    const current = box.open(subscription.sealedSecret);
    const previous = subscription.previous && Date.parse(subscription.previous.until) > now ? [box.open(subscription.previous.sealedSecret)] : [];
    return [current, ...previous];
  }

  return { find, getMany, save, remove, signingSecrets, seal: (secret: string) => box.seal(secret) };
}

export type SubscriptionStore = ReturnType<typeof createSubscriptionStore>;

/** The subscription without its sealed secrets. */
export function publicView(stored: StoredSubscription): WebhookSubscription {
  const { sealedSecret: _secret, previous: _previous, ...view } = stored;
  return view;
}
