import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createStore } from '../../src/store/create-store.ts';
import type { Store } from '../../src/store/port.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { storeContract } from './contract.ts';
import { oidcAdapterContract } from './oidc-adapter-contract.ts';

let dir: string;
beforeAll(async () => (dir = await mkdtemp(join(tmpdir(), 'admit-sqlite-'))));
afterAll(() => rm(dir, { recursive: true, force: true }));

let files = 0;
// A nested path checks that the store creates the parent directory.
const makeFileStore = async () => {
  const store = createSqliteStore({ path: join(dir, `nested-${++files}`, 'admit.db') });
  return { store, cleanup: () => store.close() };
};

storeContract('sqlite file', makeFileStore);
storeContract('sqlite :memory:', async () => {
  const store = createSqliteStore({ path: ':memory:' });
  return { store, cleanup: () => store.close() };
});
oidcAdapterContract('sqlite file', makeFileStore);

describe('sqlite: several processes on one file', () => {
  it('two store instances on one file give exactly one setIfAbsent winner', async () => {
    const path = join(dir, 'shared.db');
    const [a, b] = [createSqliteStore({ path }), createSqliteStore({ path })];
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).setIfAbsent('shared:{k}', `caller-${i}`)));
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal(await a.take('shared:{k}'), `caller-${results.indexOf(true)}`);
    assert.equal(await b.get('shared:{k}'), undefined);
    await Promise.all([a.close(), b.close()]);
  });

  it('four threads with their own connections racing on one key: one winner each round', async () => {
    // DatabaseSync is synchronous, so only separate threads really run in parallel.
    const path = join(dir, 'threads.db');
    createSqliteStore({ path }).close(); // schema and WAL before the race
    const storeUrl = new URL('../../src/store/sqlite/sqlite-store.ts', import.meta.url).href;
    const rounds = 30;
    const barrier = new SharedArrayBuffer(4 * rounds);
    const wins = await Promise.all(Array.from({ length: THREADS }, () => runWorker(storeUrl, path, rounds, barrier)));
    for (let round = 0; round < rounds; round++) {
      assert.equal(wins.filter((w) => w[round]).length, 1, `round ${round}`);
    }
  });
});

const THREADS = 4;

function runWorker(storeUrl: string, path: string, rounds: number, barrier: SharedArrayBuffer): Promise<boolean[]> {
  // Each round starts only when every thread reached it, so the calls really overlap.
  const source = `
    const { workerData: { storeUrl, path, rounds, barrier, threads }, parentPort } = require('node:worker_threads');
    const arrived = new Int32Array(barrier);
    import(storeUrl).then(async ({ createSqliteStore }) => {
      const store = createSqliteStore({ path });
      const wins = [];
      for (let i = 0; i < rounds; i++) {
        Atomics.add(arrived, i, 1);
        while (Atomics.load(arrived, i) < threads);
        wins.push(await store.setIfAbsent('race:{' + i + '}', String(Math.random())));
      }
      await store.close();
      parentPort.postMessage(wins);
    });`;
  return new Promise((resolve, reject) => {
    const workerData = { storeUrl, path, rounds, barrier, threads: THREADS };
    const worker = new Worker(source, { eval: true, workerData });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

describe('sqlite: sweep', () => {
  it('deletes expired rows from both tables; close() stops it', async () => {
    const path = join(dir, 'sweep.db');
    const store = createSqliteStore({ path, sweepIntervalMs: 100 });
    await store.set('gone', 'v', { ttlSeconds: 0.2 });
    await store.addToSet('gone-set', 'm', { ttlSeconds: 0.2 });
    await store.set('kept', 'v');
    await sleep(500);
    const peek = new DatabaseSync(path, { readOnly: true });
    const count = (sql: string) => (peek.prepare(sql).get() as { n: number }).n;
    assert.equal(count('SELECT count(*) AS n FROM kv'), 1);
    assert.equal(count('SELECT count(*) AS n FROM set_members'), 0);
    peek.close();
    await store.close();
    await store.close(); // idempotent
  });
});

describe('createStore', () => {
  it('sqlite:<path> builds a working store', async () => {
    const store: Store = await createStore(`sqlite:${join(dir, 'spec', 'admit.db')}`);
    await store.set('k', 'v');
    assert.equal(await store.get('k'), 'v');
    await store.close();
  });

  it('an unknown spec names ADMIT_STORE and the accepted forms, not the secret', async () => {
    await assert.rejects(createStore('postgres://user:secret@db/admit'), (error: Error) => {
      assert.match(error.message, /ADMIT_STORE/);
      assert.match(error.message, /sqlite:<path>/);
      assert.match(error.message, /redis:\/\//);
      assert.doesNotMatch(error.message, /secret/);
      return true;
    });
    await assert.rejects(createStore('sqlite:'), /ADMIT_STORE/);
  });
});
