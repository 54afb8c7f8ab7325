import { type Adapter, type AdapterConstructor, type AdapterPayload, errors } from 'oidc-provider';
import { type Store, storeKey } from './port.ts';

/** Models that carry a grantId and must disappear when the grant is revoked (as in oidc-provider's memory adapter). */
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode']);

const recordKey = (name: string, id: string) => storeKey(`oidc:${name}`, id);
// Same hash tag as the record, so find() reads both in one MGET even on Cluster.
const consumedKey = (name: string, id: string) => storeKey(`oidc:${name}`, id, 'consumed');
/** What find() reads for one model instance, in one round trip: its record and its consumed mark. */
const findKeys = (name: string, id: string) => [recordKey(name, id), consumedKey(name, id)];
const uidKey = (uid: string) => storeKey('oidc:uid', uid);
const userCodeKey = (userCode: string) => storeKey('oidc:userCode', userCode);
const grantKey = (grantId: string) => storeKey('oidc:grant', grantId);
/** The SSO sessions of one account, for "sign out everywhere" and the portal's list. */
export const accountSessionsKey = (accountId: string) => storeKey('oidc:account-sessions', accountId);
/** The grants of one account, so a password change also ends refresh tokens whose session is gone (offline access outlives it). */
export const accountGrantsKey = (accountId: string) => storeKey('oidc:account-grants', accountId);

const epochSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Reads a model's record the way the adapter's find() does, and drops the
 * result: inside a request, the request memo (store/request-memo.ts) then
 * answers that find() without a round trip. For a caller that knows which
 * record oidc-provider reads next and can fetch it alongside its own read.
 * A failed read is left to find() to report.
 */
export function prefetchModel(store: Store, name: string, id: string): Promise<void> {
  return store.getMany(findKeys(name, id)).then(
    () => undefined,
    () => undefined,
  );
}

const parse = (raw: string | undefined) => (raw === undefined ? undefined : (JSON.parse(raw) as AdapterPayload));

/**
 * oidc-provider's storage adapter on the store port. Pass the returned class
 * as the provider's `adapter` option.
 */
export function createOidcAdapterFactory(store: Store): AdapterConstructor {
  return class StoreAdapter implements Adapter {
    readonly name: string;

    constructor(name: string) {
      this.name = name;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      const key = recordKey(this.name, id);
      // No expiresIn (Client models from dynamic registration) means no expiry.
      const ttl = typeof expiresIn === 'number' && expiresIn > 0 ? { ttlSeconds: Math.ceil(expiresIn) } : {};
      // Indexes first: a revokeByGrantId running meanwhile then sees the key.
      const indexes: Promise<void>[] = [];
      if (GRANTABLE.has(this.name) && payload.grantId) indexes.push(store.addToSet(grantKey(payload.grantId), key, ttl));
      if (this.name === 'Session' && payload.uid) indexes.push(store.set(uidKey(payload.uid), id, ttl));
      if (this.name === 'Session' && typeof payload.accountId === 'string') indexes.push(store.addToSet(accountSessionsKey(payload.accountId), id, ttl));
      if (this.name === 'Grant' && typeof payload.accountId === 'string') indexes.push(store.addToSet(accountGrantsKey(payload.accountId), id, ttl));
      if (payload.userCode) indexes.push(store.set(userCodeKey(payload.userCode), id, ttl));
      await Promise.all(indexes);
      await store.set(key, JSON.stringify(payload), ttl);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      const [raw, consumed] = await store.getMany(findKeys(this.name, id));
      const payload = parse(raw);
      if (payload && consumed !== undefined) payload.consumed = Number(consumed);
      return payload;
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const id = await store.get(uidKey(uid));
      const payload = id === undefined ? undefined : await this.find(id);
      // The index may outlive a replaced session; trust only a matching record.
      return payload?.uid === uid ? payload : undefined;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const id = await store.get(userCodeKey(userCode));
      const payload = id === undefined ? undefined : await this.find(id);
      return payload?.userCode === userCode ? payload : undefined;
    }

    /**
     * oidc-provider checks `consumed` when it loads a code and calls consume()
     * later, so N parallel token requests all pass the check; only this
     * call can tell them apart. The first setIfAbsent wins; every loser gets
     * invalid_grant and, as for a sequential reuse, the grant's tokens are
     * revoked (RFC 6749 §4.1.2).
     */
    async consume(id: string): Promise<void> {
      const payload = await this.find(id);
      if (payload && (await this.tryConsume(id, payload))) return;
      if (payload?.grantId) await this.revokeByGrantId(payload.grantId);
      // The errors oidc-provider itself answers for an already-used code / request_uri.
      if (this.name === 'PushedAuthorizationRequest') {
        throw new errors.InvalidRequestUri('request_uri is invalid, expired, or was already used');
      }
      throw new errors.InvalidGrant(`${this.name} ${payload ? 'already consumed' : 'not found'}`);
    }

    /** True for exactly one caller per record. */
    async tryConsume(id: string, payload: AdapterPayload): Promise<boolean> {
      if (payload.consumed) return false;
      // The marker lives as long as the record would, so it cannot lapse first.
      const remaining = typeof payload.exp === 'number' ? Math.max(1, payload.exp - epochSeconds()) : undefined;
      return store.setIfAbsent(consumedKey(this.name, id), String(epochSeconds()), remaining === undefined ? {} : { ttlSeconds: remaining });
    }

    async destroy(id: string): Promise<void> {
      const key = recordKey(this.name, id);
      const payload = parse(await store.get(key));
      await store.delete(key, consumedKey(this.name, id));
      if (payload) await this.dropIndexes(id, key, payload);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      const index = grantKey(grantId);
      const keys = await store.setMembers(index);
      if (keys.length === 0) return;
      const payloads = (await store.getMany(keys)).map(parse);
      await store.delete(...keys.flatMap((key) => [key, `${key}:consumed`]));
      await Promise.all(payloads.map((payload) => (payload?.jti ? this.dropSecondaryIndexes(payload.jti, payload) : undefined)));
      await store.delete(index);
    }

    private async dropIndexes(id: string, key: string, payload: AdapterPayload): Promise<void> {
      await this.dropSecondaryIndexes(id, payload);
      if (GRANTABLE.has(this.name) && payload.grantId) await store.removeFromSet(grantKey(payload.grantId), key);
      if (this.name === 'Session' && typeof payload.accountId === 'string') await store.removeFromSet(accountSessionsKey(payload.accountId), id);
      if (this.name === 'Grant' && typeof payload.accountId === 'string') await store.removeFromSet(accountGrantsKey(payload.accountId), id);
    }

    /** Removes the uid / userCode index only while it still points at this record. */
    private async dropSecondaryIndexes(id: string, payload: AdapterPayload): Promise<void> {
      const stale = [];
      if (payload.uid && (await store.get(uidKey(payload.uid))) === id) stale.push(uidKey(payload.uid));
      if (payload.userCode && (await store.get(userCodeKey(payload.userCode))) === id) stale.push(userCodeKey(payload.userCode));
      if (stale.length) await store.delete(...stale);
    }
  };
}
