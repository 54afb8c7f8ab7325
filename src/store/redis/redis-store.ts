import { Cluster } from 'ioredis';
import { StoreUnavailableError, type Store } from '../port.ts';
import { createRedisClient, describeRedisTarget, type RedisClient, type RedisSettings } from './redis-options.ts';

/** A Redis-backed store plus the start-up step `createStore` awaits. */
export interface RedisStore extends Store {
  /** Connects, rejecting with StoreUnavailableError after `connectTimeoutMs`. */
  connect(): Promise<void>;
}

// TTLs go to Redis in milliseconds (PX, PEXPIRE), like SQLite's expires_at.

// INCR, then start the window only if the key has none: later increments
// must not extend it (fixed window), and a key left without TTL gets one.
const INCREMENT = `
local n = redis.call('INCRBY', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[1], 'NX')
return n`;

// The set's TTL becomes at least ARGV[2] ms; '' means no expiry. A new set
// takes the TTL; an existing one only grows it (GT treats "no TTL" as
// infinite, so a persistent set stays persistent).
const ADD_TO_SET = `
local existed = redis.call('EXISTS', KEYS[1])
redis.call('SADD', KEYS[1], ARGV[1])
if ARGV[2] == '' then redis.call('PERSIST', KEYS[1])
elseif existed == 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2])
else redis.call('PEXPIRE', KEYS[1], ARGV[2], 'GT') end
return 1`;

// Redis has no compare-and-delete before 8.4's DELEX; the script is one atomic step.
const COMPARE_AND_DELETE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

type Scripted = {
  admitIncrement(key: string, ttlMs: number, by: number): Promise<number>;
  admitCompareAndDelete(key: string, expected: string): Promise<number>;
  admitAddToSet(key: string, member: string, ttlMs: string): Promise<number>;
};

/** A TTL Redis accepts; zero, negative or NaN is a caller's bug, not an outage. */
function ttlMs(ttlSeconds: number): number {
  const ms = Math.round(ttlSeconds * 1000);
  if (!(ms > 0)) throw new RangeError(`ttlSeconds must be positive, got ${ttlSeconds}`);
  return ms;
}

/**
 * Redis's hash-tag rule: keys whose tags are equal hash to one slot. Keys that
 * differ may still share a slot, but treating them as apart is always safe.
 */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

/** Node reports a refused dual-stack connect as an AggregateError with an empty message. */
function describeError(error: unknown): string {
  if (error instanceof AggregateError && !error.message) return error.errors.map(describeError).join('; ');
  if (error instanceof Error) return error.message || (error as NodeJS.ErrnoException).code || error.name;
  return String(error);
}

const sameTag = (keys: readonly string[]) => keys.every((k) => hashTag(k) === hashTag(keys[0] ?? ''));

export function createRedisStore(settings: RedisSettings): RedisStore {
  const client: RedisClient = createRedisClient(settings);
  const prefix = settings.keyPrefix ?? 'admit:';
  const target = describeRedisTarget(settings);
  let lastError: Error | undefined;
  // Without a listener ioredis prints every reconnect failure; callers see
  // the failures as rejected commands instead.
  client.on('error', (error: Error) => {
    lastError = error;
  });
  client.defineCommand('admitIncrement', { numberOfKeys: 1, lua: INCREMENT });
  client.defineCommand('admitAddToSet', { numberOfKeys: 1, lua: ADD_TO_SET });
  client.defineCommand('admitCompareAndDelete', { numberOfKeys: 1, lua: COMPARE_AND_DELETE });
  const scripted = client as unknown as Scripted;
  const k = (key: string) => prefix + key;
  // Only Cluster refuses multi-key commands across slots; elsewhere one MGET
  // / DEL is a consistent snapshot.
  const oneCommand = (keys: readonly string[]) => !(client instanceof Cluster) || sameTag(keys);

  /** Every failure (refused, timed out, server error) becomes a 503 for the HTTP layer. */
  async function guard<T>(op: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new StoreUnavailableError(`redis ${op} at ${target} failed: ${describeError(error)}`, { cause: error });
    }
  }

  const orUndefined = (value: string | null) => value ?? undefined;

  return {
    async connect() {
      if (client.status === 'ready') return;
      const timeoutMs = settings.connectTimeoutMs ?? 5000;
      let settle = () => {};
      try {
        // At start-up the first error is final: a server that is down should
        // stop the process with a message, not leave it retrying in silence.
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          const onError = (error: Error) => reject(error);
          const onEnd = () => reject(lastError ?? new Error('connection closed'));
          settle = () => {
            clearTimeout(timer);
            client.off('ready', resolve).off('error', onError).off('end', onEnd);
          };
          client.once('ready', resolve).once('error', onError).once('end', onEnd);
          // Only a client still in 'wait' needs the kick; one already
          // connecting (a command was sent first) just needs waiting for.
          if (client.status === 'wait') client.connect().catch(() => {});
        });
      } catch (error) {
        client.disconnect();
        throw new StoreUnavailableError(`cannot reach Redis at ${target}: ${describeError(error)}`, { cause: error });
      } finally {
        settle();
      }
    },

    get: (key) => guard('GET', async () => orUndefined(await client.get(k(key)))),

    getMany: (keys) =>
      guard('MGET', async () => {
        if (keys.length === 0) return [];
        const full = keys.map(k);
        // Auto-pipelining sends the separate GETs in one round trip anyway.
        const values = oneCommand(full) ? await client.mget(full) : await Promise.all(full.map((key) => client.get(key)));
        return values.map(orUndefined);
      }),

    async set(key, value, opts) {
      const ttl = opts?.ttlSeconds === undefined ? undefined : ttlMs(opts.ttlSeconds);
      await guard('SET', () => (ttl === undefined ? client.set(k(key), value) : client.set(k(key), value, 'PX', ttl)));
    },

    async setIfAbsent(key, value, opts) {
      const ttl = opts?.ttlSeconds === undefined ? undefined : ttlMs(opts.ttlSeconds);
      const reply = await guard('SET NX', () =>
        ttl === undefined ? client.set(k(key), value, 'NX') : client.set(k(key), value, 'PX', ttl, 'NX'),
      );
      return reply === 'OK';
    },

    take: (key) => guard('GETDEL', async () => orUndefined(await client.getdel(k(key)))),

    compareAndDelete: (key, expected) => guard('compare-and-delete', async () => (await scripted.admitCompareAndDelete(k(key), expected)) === 1),

    delete: (...keys) =>
      guard('DEL', async () => {
        if (keys.length === 0) return;
        const full = keys.map(k);
        if (oneCommand(full)) await client.del(...full);
        else await Promise.all(full.map((key) => client.del(key)));
      }),

    async increment(key, ttlSeconds, by = 1) {
      const ttl = ttlMs(ttlSeconds);
      return Number(await guard('INCR', () => scripted.admitIncrement(k(key), ttl, Math.trunc(by))));
    },

    async addToSet(key, member, opts) {
      const ttl = opts?.ttlSeconds === undefined ? '' : String(ttlMs(opts.ttlSeconds));
      await guard('SADD', () => scripted.admitAddToSet(k(key), member, ttl));
    },

    removeFromSet: (key, member) =>
      guard('SREM', async () => {
        await client.srem(k(key), member);
      }),

    setMembers: (key) => guard('SMEMBERS', () => client.smembers(k(key))),

    appendToList: (key, value) => guard('RPUSH', () => client.rpush(k(key), value)),

    async listRange(key, start, count) {
      if (!(start >= 0 && count >= 0)) throw new RangeError(`listRange needs start and count >= 0, got ${start}, ${count}`);
      if (count === 0) return [];
      return guard('LRANGE', () => client.lrange(k(key), Math.trunc(start), Math.trunc(start) + Math.trunc(count) - 1));
    },

    listLength: (key) => guard('LLEN', () => client.llen(k(key))),

    ping: () =>
      guard('PING', async () => {
        await client.ping();
      }),

    async close() {
      if (client.status === 'end') return;
      // QUIT lets in-flight replies arrive; a dead server cannot answer it.
      try {
        await client.quit();
      } catch {
        client.disconnect();
      }
    },
  };
}
