import { generateKeyPair, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { storeKey, type Store } from '../store/port.ts';
import { createSecretBox } from '../services/secret-box.ts';

const generate = promisify(generateKeyPair);
const KEYSET = storeKey('signing-keys', 'active');

/** A private JWK plus when admit stops publishing it (set when a newer key replaces it). */
interface StoredKey {
  jwk: Record<string, unknown>;
  createdAt: number;
  retireAt?: number;
}

/**
 * The provider's signing keys: generated on first start (RS256, which OIDC
 * requires every provider to offer, and ES256), stored sealed with the master
 * secret, and rotated by `admit keys rotate`.
 */
export function createSigningKeys({ store, masterSecret }: { store: Store; masterSecret: string }) {
  const box = createSecretBox(masterSecret, 'signing-keys');

  async function read(): Promise<StoredKey[] | undefined> {
    const sealed = await store.get(KEYSET);
    return sealed === undefined ? undefined : (JSON.parse(box.open(sealed)) as StoredKey[]);
  }

  const write = (keys: StoredKey[]) => store.set(KEYSET, box.seal(JSON.stringify(keys)));

  /** The keys to publish and sign with, newest first; creates them on first start. */
  async function load(): Promise<Record<string, unknown>[]> {
    let keys = await read();
    if (keys === undefined) {
      const fresh = await newKeyPairs();
      // Two instances starting together: one writes, the other reads the winner's keys.
      if (!(await store.setIfAbsent(KEYSET, box.seal(JSON.stringify(fresh))))) keys = await read();
      keys ??= fresh;
    }
    const now = Date.now();
    return keys.filter((key) => key.retireAt === undefined || key.retireAt > now).map((key) => key.jwk);
  }

  /**
   * Puts new keys first (they sign from the next start of each instance on) and
   * keeps the previous ones published for `keepOldSeconds`, long enough to verify
   * every token they signed; keys already past that are dropped.
   */
  async function rotate(keepOldSeconds: number): Promise<{ added: string[]; retiring: string[] }> {
    const now = Date.now();
    const current = ((await read()) ?? []).filter((key) => key.retireAt === undefined || key.retireAt > now);
    const retiring = current.map((key) => ({ ...key, retireAt: key.retireAt ?? now + keepOldSeconds * 1000 }));
    const fresh = await newKeyPairs();
    await write([...fresh, ...retiring]);
    return { added: fresh.map((key) => String(key.jwk.kid)), retiring: retiring.map((key) => String(key.jwk.kid)) };
  }

  return { load, rotate };
}

async function newKeyPairs(): Promise<StoredKey[]> {
  const createdAt = Date.now();
  const rsa = await generate('rsa', { modulusLength: 2048 });
  const ec = await generate('ec', { namedCurve: 'P-256' });
  return [
    { jwk: { ...rsa.privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' }, createdAt },
    { jwk: { ...ec.privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'ES256', use: 'sig' }, createdAt },
  ];
}
