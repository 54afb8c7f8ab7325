import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createStore } from '../../src/store/create-store.ts';
import { StoreUnavailableError } from '../../src/store/port.ts';
import type { RedisSettings } from '../../src/store/redis/redis-options.ts';
import { createRedisStore } from '../../src/store/redis/redis-store.ts';
import { freePort } from '../support/free-port.ts';
import { type RunningRedis, startRedis, startSentinel } from '../support/redis-server.ts';
import { storeContract } from './contract.ts';
import { oidcAdapterContract } from './oidc-adapter-contract.ts';

let redis: RunningRedis;
let cluster: RunningRedis;
beforeAll(async () => ([redis, cluster] = await Promise.all([startRedis(), startRedis({ cluster: true })])));
afterAll(() => Promise.all([redis.stop(), cluster.stop()]));

/** A connected store with its own key prefix, so test groups never share keys. */
async function connected(settings: RedisSettings) {
  const store = createRedisStore({ keyPrefix: `test-${randomUUID()}:`, ...settings });
  await store.connect();
  return store;
}
const makeStandalone = async () => {
  const store = await connected({ url: redis.url });
  return { store, cleanup: () => store.close() };
};
// A one-node cluster still refuses cross-slot commands, so it checks the hash-tag handling.
const makeCluster = async () => {
  const store = await connected({ cluster: [{ host: '127.0.0.1', port: cluster.port }] });
  return { store, cleanup: () => store.close() };
};

storeContract('redis standalone', makeStandalone);
oidcAdapterContract('redis standalone', makeStandalone);
storeContract('redis cluster', makeCluster);
oidcAdapterContract('redis cluster', makeCluster);

const isUnavailable = (error: unknown) => error instanceof StoreUnavailableError;

async function elapsed(run: () => Promise<unknown>): Promise<number> {
  const started = Date.now();
  await run();
  return Date.now() - started;
}

describe('redis: outages (DESIGN.md trap: a request hung 73 s)', () => {
  for (const topology of ['standalone', 'cluster'] as const) {
    it(`${topology}: a killed server makes operations reject with StoreUnavailableError within 3 s, then recovers`, async () => {
      const server = await startRedis({ cluster: topology === 'cluster' });
      const settings: RedisSettings = topology === 'cluster' ? { cluster: [{ host: '127.0.0.1', port: server.port }] } : { url: server.url };
      const store = await connected(settings);
      try {
        await store.set('k', 'v');
        server.kill();
        for (const op of [() => store.get('k'), () => store.set('k', 'w'), () => store.ping()]) {
          assert.ok((await elapsed(() => assert.rejects(op(), isUnavailable))) < 3000);
        }
        await server.restart();
        const deadline = Date.now() + 5000;
        while (
          !(await store.ping().then(
            () => true,
            () => false,
          ))
        ) {
          assert.ok(Date.now() < deadline, 'the store reconnects after the server is back');
          await sleep(100);
        }
      } finally {
        await store.close();
        await server.stop();
      }
    });
  }

  it('a server that accepts TCP but never answers hits commandTimeout, not a hang', async () => {
    const server = await startRedis();
    const store = await connected({ url: server.url, commandTimeoutMs: 500 });
    try {
      server.pause();
      const took = await elapsed(() => assert.rejects(store.get('k'), /timed out/));
      assert.ok(took >= 400 && took < 3000, `took ${took} ms`);
    } finally {
      server.resume();
      await store.close();
      await server.stop();
    }
  });

  it('createStore against a port where nothing listens fails fast with a clear message', async () => {
    const port = await freePort();
    const took = await elapsed(() =>
      assert.rejects(createStore(`redis://:secret@127.0.0.1:${port}/2`), (error: Error) => {
        assert.ok(isUnavailable(error));
        assert.match(error.message, new RegExp(`^cannot reach Redis at 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
        assert.doesNotMatch(error.message, /secret/);
        return true;
      }),
    );
    assert.ok(took < 3000, `took ${took} ms`);
  });

  it('createStore connects to a running server, honouring the db index in the URL', async () => {
    const [db0, db3] = await Promise.all([createStore(redis.url), createStore(`${redis.url}/3`)]);
    const key = `db-test:{${randomUUID()}}`;
    await db3.set(key, 'in db 3');
    assert.equal(await db0.get(key), undefined);
    assert.equal(await db3.get(key), 'in db 3');
    await Promise.all([db0.close(), db3.close()]);
  });

  it('a persistent Redis keeps the data across a restart', async () => {
    const server = await startRedis({ persist: true });
    try {
      const store = await connected({ url: server.url, keyPrefix: 'persist:' });
      await store.set('k', 'survives');
      await store.addToSet('s', 'member', { ttlSeconds: 600 });
      await store.close();
      await server.restart();
      const again = await connected({ url: server.url, keyPrefix: 'persist:' });
      assert.equal(await again.get('k'), 'survives');
      assert.deepEqual(await again.setMembers('s'), ['member']);
      await again.close();
    } finally {
      await server.stop();
    }
  });
});

describe('redis: topologies', () => {
  it('Sentinel: createStore finds the master through the sentinel; credentials and db come from the URL', async () => {
    const sentinel = await startSentinel(redis, 'admit-master');
    try {
      const key = `sentinel-test:{${randomUUID()}}`;
      const viaSentinel = await createStore('redis:///5', {
        sentinels: [{ host: '127.0.0.1', port: sentinel.port }],
        sentinelName: 'admit-master',
      });
      await viaSentinel.set(key, 'through sentinel');
      await viaSentinel.close();
      const direct = await createStore(`${redis.url}/5`);
      assert.equal(await direct.get(key), 'through sentinel');
      await direct.close();
    } finally {
      await sentinel.stop();
    }
  });
});
