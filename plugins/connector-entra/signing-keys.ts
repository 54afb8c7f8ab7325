import { createLocalJWKSet, errors, type FlattenedJWSInput, type JSONWebKeySet, type JWSHeaderParameters } from 'jose';
import { UpstreamUnavailableError } from './network-client.ts';

const MAX_AGE_MS = 24 * 3600 * 1000;
/** A token signed by a key we do not know triggers at most one re-read of the keys per this period. */
const REFRESH_COOLDOWN_MS = 30_000;

/**
 * Microsoft's token signing keys (the `jwks_uri`), read through the
 * connector's network client (with its timeout) and kept for a day. Microsoft
 * rolls keys over: a token whose `kid` is unknown re-reads the keys once.
 */
export function createSigningKeySource(getJson: (url: string) => Promise<unknown>) {
  let cached: { uri: string; keys: ReturnType<typeof createLocalJWKSet>; readAt: number } | undefined;

  async function read(uri: string) {
    const body = (await getJson(uri)) as JSONWebKeySet;
    if (!body || !Array.isArray(body.keys)) throw new UpstreamUnavailableError(`${uri}: not a JSON Web Key Set`);
    cached = { uri, keys: createLocalJWKSet(body), readAt: Date.now() };
    return cached;
  }

  /** A key resolver for jose's jwtVerify, for the keys at `uri`. */
  return function keysAt(uri: string) {
    return async (header: JWSHeaderParameters, token: FlattenedJWSInput) => {
      let current = cached && cached.uri === uri && Date.now() - cached.readAt < MAX_AGE_MS ? cached : await read(uri);
      try {
        return await current.keys(header, token);
      } catch (error) {
        if (!(error instanceof errors.JWKSNoMatchingKey) || Date.now() - current.readAt < REFRESH_COOLDOWN_MS) throw error;
        current = await read(uri);
        return current.keys(header, token);
      }
    };
  };
}
