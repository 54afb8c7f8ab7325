import type { Store } from './port.ts';
import type { RedisSettings } from './redis/redis-options.ts';
import { createRedisStore } from './redis/redis-store.ts';
import { createSqliteStore } from './sqlite/sqlite-store.ts';

/** Redis settings that do not fit in the ADMIT_STORE URL (topology, prefix, timeouts). */
export type StoreRedisSettings = Omit<RedisSettings, 'url'>;

const ACCEPTED = 'sqlite:<path> (e.g. sqlite:./data/admit.db), redis://[user:password@]host[:port][/db] or rediss://…';

/**
 * Builds the store named by ADMIT_STORE. Redis is connected before this
 * resolves, so a server that is down at start-up stops the process with
 * "cannot reach Redis at host:port: …" instead of failing the first request.
 */
export async function createStore(spec: string, redisSettings?: StoreRedisSettings): Promise<Store> {
  if (spec.startsWith('sqlite:')) {
    const path = spec.slice('sqlite:'.length);
    if (path === '') throw new Error(`ADMIT_STORE "sqlite:" needs a path; accepted forms: ${ACCEPTED}`);
    return createSqliteStore({ path });
  }
  if (spec.startsWith('redis://') || spec.startsWith('rediss://')) {
    const store = createRedisStore({ ...redisSettings, url: spec });
    await store.connect();
    return store;
  }
  // The spec may be a URL with a password: name only its scheme.
  const shown = spec.includes('://') ? `${spec.slice(0, spec.indexOf('://'))}://…` : spec;
  throw new Error(`ADMIT_STORE "${shown}" is not supported; accepted forms: ${ACCEPTED}`);
}
