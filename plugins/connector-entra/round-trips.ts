import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { type FederatedContext, type Store, storeKey } from '../../src/kit/index.ts';

/**
 * One trip to Microsoft and back, from "Sign in with Microsoft" to the
 * callback. Stored under a hash of `state`, single-use (taken atomically), for
 * `roundTripSeconds`. The store holds no usable secret: the PKCE verifier and
 * the nonce are derived from the state and the browser's binding secret,
 * which only that browser holds (in an HttpOnly cookie), so a callback from
 * another browser, or a leaked store, cannot complete the trip.
 */
export interface RoundTrip {
  siteId: string;
  bindingHash: string;
  context: FederatedContext;
  startedAt: string;
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');
const key = (state: string) => storeKey('entra-round-trip', sha256(state));

/** The PKCE verifier (43 characters, RFC 7636) and the nonce of a round trip. */
export function secretsOf(state: string, browserBinding: string) {
  const derive = (purpose: string) => createHash('sha256').update(`${purpose}\0${browserBinding}\0${state}`).digest('base64url');
  const codeVerifier = derive('pkce');
  return { codeVerifier, codeChallenge: sha256(codeVerifier), nonce: derive('nonce') };
}

export function createRoundTrips({ store, ttlSeconds }: { store: Store; ttlSeconds: number }) {
  return {
    /** Starts a round trip; returns its fresh `state`. */
    async start(input: { siteId: string; browserBinding: string; context: FederatedContext }): Promise<string> {
      const state = randomBytes(32).toString('base64url');
      const trip: RoundTrip = { siteId: input.siteId, bindingHash: sha256(input.browserBinding), context: input.context, startedAt: new Date().toISOString() };
      await store.set(key(state), JSON.stringify(trip), { ttlSeconds });
      return state;
    },
    /** Takes the round trip of this state: the first caller gets it, any replay gets nothing. */
    async take(state: string): Promise<RoundTrip | undefined> {
      if (!/^[A-Za-z0-9_-]{43}$/.test(state)) return undefined;
      const raw = await store.take(key(state));
      return raw === undefined ? undefined : (JSON.parse(raw) as RoundTrip);
    },
  };
}

/** Whether this browser is the one that started the round trip (constant time). */
export function sameBrowser(trip: RoundTrip, browserBinding: string): boolean {
  const expected = Buffer.from(trip.bindingHash);
  const actual = Buffer.from(sha256(browserBinding));
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
