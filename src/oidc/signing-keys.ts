import { generateKeyPair, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { createSecretBox } from '../lib/secret-box.ts';
import { type Store, storeKey } from '../store/port.ts';

/**
 * The JWKS's Cache-Control. Whatever serves the JWKS bytes sets
 * `jwksCacheControl(config.keys.jwksMaxAgeSeconds)`, so what is advertised is
 * what the propagation delay was checked against (config/keys.ts).
 */
export const jwksCacheControl = (maxAgeSeconds: number) => `public, max-age=${maxAgeSeconds}`;

const generate = promisify(generateKeyPair);
// One hash tag for the set, its version and the rotation lock: one Redis Cluster slot.
const KEYSET = storeKey('signing-keys', 'active');
const VERSION = storeKey('signing-keys', 'active', 'version');
const ROTATING = storeKey('signing-keys', 'active', 'rotating');

/**
 * A private JWK and its timeline (epoch ms): published from `createdAt`, signs
 * from `activateAt` (`createdAt` when absent: the first keys, and keys stored
 * before staged rotation), published until `retireAt` (set when a newer key
 * is staged).
 */
export interface StoredKey {
  jwk: Record<string, unknown>;
  createdAt: number;
  activateAt?: number;
  retireAt?: number;
}

/** What an instance uses at one moment: every published key, the signing key of each algorithm first. */
export interface KeyView {
  /** Private JWKs in the order oidc-provider takes them: it signs with the first key of an algorithm. */
  keys: Record<string, unknown>[];
  signing: string[];
  published: string[];
}

export class KeyRotationError extends Error {
  override name = 'KeyRotationError';
}

const activeFrom = (key: StoredKey) => key.activateAt ?? key.createdAt;
const kidOf = (key: StoredKey) => String(key.jwk.kid);

/** The keys published at `now`, each algorithm's newest active key first (it signs), then staged and retiring ones. */
export function viewAt(stored: readonly StoredKey[], now: number): KeyView {
  const live = stored.filter((key) => key.retireAt === undefined || key.retireAt > now);
  const signingByAlg = new Map<string, StoredKey>();
  for (const key of live) {
    if (activeFrom(key) > now) continue;
    const alg = String(key.jwk.alg);
    const best = signingByAlg.get(alg);
    if (!best || activeFrom(key) > activeFrom(best) || (activeFrom(key) === activeFrom(best) && key.createdAt > best.createdAt)) signingByAlg.set(alg, key);
  }
  const signing = [...signingByAlg.values()];
  const ordered = [...signing, ...live.filter((key) => !signing.includes(key))];
  return { keys: ordered.map((key) => key.jwk), signing: signing.map(kidOf), published: ordered.map(kidOf) };
}

/**
 * The provider's signing keys: generated on first start (RS256, which OIDC
 * requires every provider to offer, and ES256), stored sealed with the master
 * secret, and rotated by `admit keys rotate` in stages every running instance
 * follows (see live-signing-keys.ts).
 */
export function createSigningKeys({ store, masterSecret }: { store: Store; masterSecret: string }) {
  const box = createSecretBox(masterSecret, 'signing-keys');

  async function read(): Promise<StoredKey[] | undefined> {
    const sealed = await store.get(KEYSET);
    return sealed === undefined ? undefined : (JSON.parse(box.open(sealed)) as StoredKey[]);
  }

  /**
   * The stored keys; creates them on first start. A running instance that
   * finds them gone (a flushed Redis) passes the keys it has, which are
   * written back instead of new ones, so tokens it signed keep verifying.
   */
  async function stored(kept?: StoredKey[]): Promise<StoredKey[]> {
    const keys = await read();
    if (keys !== undefined) return keys;
    const fresh = kept ?? (await newKeyPairs(Date.now()));
    // Two instances starting together: one writes, the other reads the winner's keys.
    if (await store.setIfAbsent(KEYSET, box.seal(JSON.stringify(fresh)))) return fresh;
    return (await read()) ?? fresh;
  }

  /** The key set's version: changes with every rotation, so instances re-read the set only then. */
  const version = async () => (await store.get(VERSION)) ?? '';

  /** The keys to publish and sign with now, in oidc-provider's order. */
  const load = async () => viewAt(await stored(), Date.now()).keys;

  /**
   * Stages new keys: published at once (each instance picks them up within a
   * poll), signing from `propagationSeconds` on; the keys signing until then
   * stay published for `keepSeconds` after that switch. Keys already retired
   * are dropped. Refused while an earlier rotation's keys are still staged.
   */
  async function rotate({ propagationSeconds, keepSeconds }: { propagationSeconds: number; keepSeconds: number }) {
    if (!(await store.setIfAbsent(ROTATING, new Date().toISOString(), { ttlSeconds: 60 }))) {
      throw new KeyRotationError('another rotation is being written right now; try again in a minute');
    }
    try {
      const now = Date.now();
      const current = (await read()) ?? [];
      const live = current.filter((key) => key.retireAt === undefined || key.retireAt > now);
      const staged = live.filter((key) => activeFrom(key) > now);
      if (staged.length > 0) {
        throw new KeyRotationError(
          `keys ${staged.map(kidOf).join(', ')} are staged and sign from ${new Date(activeFrom(staged[0]!)).toISOString()}; rotate again after that`,
        );
      }
      const activateAt = now + propagationSeconds * 1000;
      const retireAt = activateAt + keepSeconds * 1000;
      const retiring = live.map((key) => ({ ...key, retireAt: key.retireAt ?? retireAt }));
      const fresh = await newKeyPairs(now, activateAt);
      await store.set(KEYSET, box.seal(JSON.stringify([...fresh, ...retiring])));
      await store.set(VERSION, randomUUID());
      return {
        added: fresh.map(kidOf),
        retiring: retiring.filter((key) => key.retireAt === retireAt).map(kidOf),
        activateAt: new Date(activateAt),
        retireAt: new Date(retireAt),
      };
    } finally {
      await store.delete(ROTATING);
    }
  }

  return { load, stored, version, rotate };
}

export type SigningKeys = ReturnType<typeof createSigningKeys>;

async function newKeyPairs(createdAt: number, activateAt?: number): Promise<StoredKey[]> {
  const rsa = await generate('rsa', { modulusLength: 2048 });
  const ec = await generate('ec', { namedCurve: 'P-256' });
  const timeline = activateAt === undefined ? { createdAt } : { createdAt, activateAt };
  return [
    { jwk: { ...rsa.privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' }, ...timeline },
    { jwk: { ...ec.privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'ES256', use: 'sig' }, ...timeline },
  ];
}
