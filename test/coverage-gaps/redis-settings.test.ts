import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { RedisOptions } from 'ioredis';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createStore } from '../../src/store/create-store.ts';
import { type Store, StoreUnavailableError } from '../../src/store/port.ts';
import { createRedisClient, describeRedisTarget, parseRedisUrl } from '../../src/store/redis/redis-options.ts';
import { createRedisStore } from '../../src/store/redis/redis-store.ts';
import { type RunningRedis, startRedis, startSentinel } from '../support/redis-server.ts';

/**
 * The Redis settings an operator writes (ADMIT_STORE URL, sentinels,
 * cluster seeds) and what a wrong one says; the store's life cycle
 * (connect twice, close twice, a command before connect) and the calls a
 * caller's bug makes, refused before anything reaches Redis.
 */
let redis: RunningRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis.stop());

describe('Redis URL and topology settings', () => {
  it('reads host, port, credentials, db and TLS from the URL; defaults where the URL is silent', () => {
    assert.deepEqual(parseRedisUrl('rediss://ops%40corp:p%3Ass@cache.internal:6380/4'), {
      host: 'cache.internal',
      port: 6380,
      username: 'ops@corp',
      password: 'p:ss',
      db: 4,
      tls: true,
    });
    assert.deepEqual(parseRedisUrl('redis://[::1]'), { host: '::1', port: 6379, db: 0, tls: false });
    assert.deepEqual(parseRedisUrl('redis:///7'), { host: '127.0.0.1', port: 6379, db: 7, tls: false });
  });

  it('refuses another scheme and a db index that is not a non-negative integer, naming what is wrong', () => {
    assert.throws(() => parseRedisUrl('http://cache.internal:6379'), /Redis URL must start with redis:\/\/ or rediss:\/\/, got http:\/\//);
    assert.throws(() => parseRedisUrl('redis://cache.internal/one'), /Redis URL has an invalid db index "one"/);
    assert.throws(() => parseRedisUrl('redis://cache.internal/1.5'), /invalid db index "1.5"/);
  });

  it('names the target in messages without the password: URL, sentinels (with or without a name), cluster seeds, the default', () => {
    assert.equal(describeRedisTarget({ url: 'redis://:hunter2@cache.internal:6390/2' }), 'cache.internal:6390');
    assert.equal(
      describeRedisTarget({
        sentinels: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26380 },
        ],
        sentinelName: 'main',
      }),
      'sentinel main via s1:26379,s2:26380',
    );
    assert.equal(describeRedisTarget({ sentinels: [{ host: 's1', port: 26379 }] }), 'sentinel ? via s1:26379');
    assert.equal(describeRedisTarget({ cluster: [{ host: 'n1', port: 7000 }], url: 'redis://ignored:1' }), 'cluster n1:7000');
    assert.equal(describeRedisTarget({}), '127.0.0.1:6379');
  });

  it('sentinels without the master group name are refused when the store is built', () => {
    assert.throws(() => createRedisStore({ sentinels: [{ host: '127.0.0.1', port: 26379 }] }), /Redis Sentinel needs sentinelName \(the master group name\)/);
  });

  it('a client built without a URL goes to 127.0.0.1:6379 db 0 with the default deadlines; rediss turns TLS on', () => {
    const plain = createRedisClient({});
    const tls = createRedisClient({ url: 'rediss://cache.internal:6380', commandTimeoutMs: 700, connectTimeoutMs: 900 });
    const options = (client: typeof plain) => client.options as RedisOptions;
    try {
      assert.equal(options(plain).host, '127.0.0.1');
      assert.equal(options(plain).port, 6379);
      assert.equal(options(plain).db, 0);
      assert.equal(options(plain).commandTimeout, 2000);
      assert.equal(options(plain).connectTimeout, 5000);
      assert.equal(options(plain).tls, undefined);
      assert.deepEqual(options(tls).tls, {});
      assert.equal(options(tls).commandTimeout, 700);
      assert.equal(options(tls).connectTimeout, 900);
      assert.equal(plain.status, 'wait', 'nothing connects until asked');
    } finally {
      plain.disconnect();
      tls.disconnect();
    }
  });

  it('credentials and db from the URL reach the server: a key written through them lands in that db', async () => {
    // The test server's default user has no password, so Redis accepts any; AUTH is still sent and must succeed.
    const key = `creds:{${randomUUID()}}`;
    const withCredentials = await createStore(`redis://default:any-password@127.0.0.1:${redis.port}/6`);
    const db0 = await createStore(redis.url);
    const db6 = await createStore(`${redis.url}/6`);
    try {
      await withCredentials.set(key, 'in db 6');
      assert.equal(await db6.get(key), 'in db 6');
      assert.equal(await db0.get(key), undefined);
    } finally {
      await Promise.all([withCredentials.close(), db0.close(), db6.close()]);
    }
  });

  it('Sentinel without a URL: the master it names, db 0', async () => {
    const sentinel = await startSentinel(redis, 'gaps-master');
    const key = `sentinel-default-db:{${randomUUID()}}`;
    try {
      const store = createRedisStore({ sentinels: [{ host: '127.0.0.1', port: sentinel.port }], sentinelName: 'gaps-master', keyPrefix: '' });
      await store.connect();
      await store.set(key, 'via sentinel, db 0');
      await store.close();
      const direct = await createStore(redis.url, { keyPrefix: '' });
      assert.equal(await direct.get(key), 'via sentinel, db 0');
      await direct.close();
    } finally {
      await sentinel.stop();
    }
  });
});

describe('Redis store life cycle and refused calls', () => {
  let store: ReturnType<typeof createRedisStore>;
  beforeAll(async () => {
    store = createRedisStore({ url: redis.url, keyPrefix: `gaps-${randomUUID()}:` });
    await store.connect();
  });
  afterAll(() => store.close());

  it('connect is idempotent (twice at once, again once ready), a command sent before connect is waited for, and close twice is harmless', async () => {
    const early = createRedisStore({ url: redis.url, keyPrefix: `early-${randomUUID()}:` });
    const write = early.set('k', 'sent before connect');
    await Promise.all([early.connect(), early.connect()]);
    await write;
    await early.connect();
    assert.equal(await early.get('k'), 'sent before connect');
    await early.close();
    await early.close();
    await assert.rejects(
      early.get('k'),
      (error: Error) => error instanceof StoreUnavailableError && /redis GET at 127\.0\.0\.1:\d+ failed/.test(error.message),
    );
  });

  it("a caller's bug is a RangeError before any round trip, not an outage", async () => {
    const s: Store = store;
    await assert.rejects(s.indexRange('idx', { limit: -1 }), /indexRange needs limit >= 0, got -1/);
    await assert.rejects(s.claimDue('due', { upTo: Number.NaN, setTo: 1, limit: 1 }), /claimDue needs finite scores and limit >= 0/);
    await assert.rejects(s.claimDue('due', { upTo: 1, setTo: 2, limit: -1 }), RangeError);
    await assert.rejects(s.listRange('list', -1, 2), /listRange needs start and count >= 0/);
    await assert.rejects(s.set('k', 'v', { ttlSeconds: 0 }), /ttlSeconds must be positive, got 0/);
    await assert.rejects(s.writeAll([{ op: 'explode', key: 'k' } as never]), RangeError);
  });

  it('zero-sized reads answer empty without a round trip, on a store whose server is gone', async () => {
    const server = await startRedis();
    const doomed = createRedisStore({ url: server.url, keyPrefix: 'doomed:' });
    await doomed.connect();
    server.kill();
    try {
      assert.deepEqual(await doomed.indexRange('idx', { limit: 0 }), []);
      assert.deepEqual(await doomed.claimDue('due', { upTo: 1, setTo: 2, limit: 0 }), []);
      assert.deepEqual(await doomed.listRange('list', 0, 0), []);
      assert.deepEqual(await doomed.getMany([]), []);
      await assert.rejects(doomed.get('k'), StoreUnavailableError);
    } finally {
      await doomed.close();
      await server.stop();
    }
  });
});
