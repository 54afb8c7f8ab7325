import { Cluster } from 'ioredis';
import { compareLex as compareBounds, hashTagOf, keysOfWrite, lexBounds, type Store, StoreUnavailableError } from '../port.ts';
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

// writeAll: ARGV[1] is the guard ('' none, '0' absent, '1' equals ARGV[2]; the
// guard's key is the last of KEYS), ARGV[3] the operations as JSON with key
// positions. One script is one atomic step, and with every key in one slot
// it runs on Cluster too. Scores travel as strings: Lua numbers print with 14
// digits, which would round millisecond-and-sequence scores.
const WRITE_ALL = `
local guard = ARGV[1]
if guard ~= '' then
  local current = redis.call('GET', KEYS[#KEYS])
  if guard == '0' and current then return 0 end
  if guard == '1' and current ~= ARGV[2] then return 0 end
end
for _, op in ipairs(cjson.decode(ARGV[3])) do
  local key = KEYS[op[2]]
  local kind = op[1]
  if kind == 'set' then
    if op[4] ~= '' then redis.call('SET', key, op[3], 'PX', op[4]) else redis.call('SET', key, op[3]) end
  elseif kind == 'delete' then redis.call('DEL', key)
  elseif kind == 'addToSet' then redis.call('SADD', key, op[3]); redis.call('PERSIST', key)
  elseif kind == 'removeFromSet' then redis.call('SREM', key, op[3])
  elseif kind == 'indexAdd' then redis.call('ZADD', key, op[4], op[3])
  elseif kind == 'indexRemove' then redis.call('ZREM', key, op[3])
  elseif kind == 'indexTrim' then redis.call('ZREMRANGEBYSCORE', key, '-inf', op[3])
  elseif kind == 'lexAdd' then redis.call('ZADD', key, 0, op[3])
  elseif kind == 'lexRemove' then redis.call('ZREM', key, op[3])
  elseif kind == 'indexExpireAt' then redis.call('PEXPIREAT', key, op[3])
  end
end
return 1`;

const CLAIM_DUE = `
local members = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[3]))
for _, member in ipairs(members) do redis.call('ZADD', KEYS[1], 'XX', ARGV[2], member) end
return members`;

/** A score as Redis reads it, exactly (integers up to 2^53 print without exponent). */
const scoreText = (score: number) => (Number.isInteger(score) ? score.toFixed(0) : String(score));

type Scripted = {
  admitWriteAll(numberOfKeys: number, ...args: string[]): Promise<number>;
  admitClaimDue(key: string, upTo: string, setTo: string, limit: string): Promise<string[]>;
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

/** Node reports a refused dual-stack connect as an AggregateError with an empty message. */
function describeError(error: unknown): string {
  if (error instanceof AggregateError && !error.message) return error.errors.map(describeError).join('; ');
  if (error instanceof Error) return error.message || (error as NodeJS.ErrnoException).code || error.name;
  return String(error);
}

const sameTag = (keys: readonly string[]) => keys.every((k) => hashTagOf(k) === hashTagOf(keys[0] ?? ''));

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
  client.defineCommand('admitWriteAll', { lua: WRITE_ALL });
  client.defineCommand('admitClaimDue', { numberOfKeys: 1, lua: CLAIM_DUE });
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
      const reply = await guard('SET NX', () => (ttl === undefined ? client.set(k(key), value, 'NX') : client.set(k(key), value, 'PX', ttl, 'NX')));
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

    // SSCAN's guarantee is the port's: members present throughout come at least once, some maybe twice.
    setScan: (key, opts) =>
      guard('SSCAN', async () => {
        const [next, members] = await client.sscan(k(key), opts.cursor ?? '0', 'COUNT', Math.max(1, Math.trunc(opts.count)));
        return next === '0' ? { members } : { members, cursor: next };
      }),

    appendToList: (key, value) => guard('RPUSH', () => client.rpush(k(key), value)),

    async listRange(key, start, count) {
      if (!(start >= 0 && count >= 0)) throw new RangeError(`listRange needs start and count >= 0, got ${start}, ${count}`);
      if (count === 0) return [];
      return guard('LRANGE', () => client.lrange(k(key), Math.trunc(start), Math.trunc(start) + Math.trunc(count) - 1));
    },

    listLength: (key) => guard('LLEN', () => client.llen(k(key))),

    async writeAll(ops, opts) {
      const onlyIf = opts?.onlyIf;
      keysOfWrite(ops, onlyIf);
      if (ops.length === 0 && !onlyIf) return true;
      const keys: string[] = [];
      const position = new Map<string, number>();
      const at = (key: string) => {
        let index = position.get(key);
        if (index === undefined) {
          keys.push(k(key));
          index = keys.length;
          position.set(key, index);
        }
        return index;
      };
      const encoded = ops.map((op) => {
        switch (op.op) {
          case 'set':
            return ['set', at(op.key), op.value, op.ttlSeconds === undefined ? '' : String(ttlMs(op.ttlSeconds))];
          case 'delete':
            return ['delete', at(op.key)];
          case 'addToSet':
          case 'removeFromSet':
          case 'indexRemove':
          case 'lexAdd':
          case 'lexRemove':
            return [op.op, at(op.key), op.member];
          case 'indexExpireAt':
            return ['indexExpireAt', at(op.key), op.at.toFixed(0)];
          case 'indexAdd':
            return ['indexAdd', at(op.key), op.member, scoreText(op.score)];
          case 'indexTrim':
            return ['indexTrim', at(op.key), scoreText(op.maxScore)];
          default:
            throw new RangeError(`unknown writeAll operation ${(op as { op: string }).op}`);
        }
      });
      // The guard's key goes last, even when an operation uses it too.
      if (onlyIf) keys.push(k(onlyIf.key));
      const guardMode = !onlyIf ? '' : onlyIf.equals === undefined ? '0' : '1';
      const reply = await guard('writeAll', () => scripted.admitWriteAll(keys.length, ...keys, guardMode, onlyIf?.equals ?? '', JSON.stringify(encoded)));
      return reply === 1;
    },

    async indexRange(key, opts) {
      if (!(opts.limit >= 0)) throw new RangeError(`indexRange needs limit >= 0, got ${opts.limit}`);
      if (opts.limit === 0) return [];
      const low = opts.min === undefined ? '-inf' : scoreText(opts.min);
      const high = opts.max === undefined ? '+inf' : scoreText(opts.max);
      const reply = await guard('ZRANGE', () =>
        opts.reverse
          ? client.zrange(k(key), high, low, 'BYSCORE', 'REV', 'LIMIT', 0, Math.trunc(opts.limit), 'WITHSCORES')
          : client.zrange(k(key), low, high, 'BYSCORE', 'LIMIT', 0, Math.trunc(opts.limit), 'WITHSCORES'),
      );
      const entries = [];
      for (let i = 0; i + 1 < reply.length; i += 2) entries.push({ member: reply[i]!, score: Number(reply[i + 1]) });
      return entries;
    },

    // ZCARD for the whole index, ZCOUNT for a score range: O(log n), nothing read.
    indexCount: (key, opts) =>
      guard('ZCOUNT', () =>
        opts?.min === undefined && opts?.max === undefined
          ? client.zcard(k(key))
          : client.zcount(k(key), opts.min === undefined ? '-inf' : scoreText(opts.min), opts.max === undefined ? '+inf' : scoreText(opts.max)),
      ),

    // A sorted set whose members all score 0: ZRANGE BYLEX orders them by memcmp, the byte order of lexRange.
    async lexRange(key, opts) {
      const { low, high } = lexBounds(opts);
      if (opts.limit === 0) return [];
      const min = low ? `${low.inclusive ? '[' : '('}${low.value}` : '-';
      const max = high === undefined ? '+' : `(${high}`;
      // Nothing lies between the bounds: no round trip.
      if (low && high !== undefined && compareBounds(low.value, high) >= 0) return [];
      return guard('ZRANGE BYLEX', () =>
        opts.reverse
          ? client.zrange(k(key), max, min, 'BYLEX', 'REV', 'LIMIT', 0, Math.trunc(opts.limit))
          : client.zrange(k(key), min, max, 'BYLEX', 'LIMIT', 0, Math.trunc(opts.limit)),
      );
    },

    async claimDue(key, opts) {
      if (!(opts.limit >= 0) || !Number.isFinite(opts.upTo) || !Number.isFinite(opts.setTo))
        throw new RangeError('claimDue needs finite scores and limit >= 0');
      if (opts.limit === 0) return [];
      return guard('claimDue', () => scripted.admitClaimDue(k(key), scoreText(opts.upTo), scoreText(opts.setTo), String(Math.trunc(opts.limit))));
    },

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
