import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import type { Store } from '../../src/store/port.ts';
import { createRequestMemo } from '../../src/store/request-memo.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { storeContract } from './contract.ts';
import { oidcAdapterContract } from './oidc-adapter-contract.ts';

// Outside a request the memo keeps nothing: the wrapped store is the store.
const makeWrapped = async () => {
  const store = createSqliteStore({ path: ':memory:' });
  return { store: createRequestMemo().wrap(store), cleanup: () => store.close() };
};
storeContract('sqlite through the request memo, outside a request', makeWrapped);
oidcAdapterContract('sqlite through the request memo, outside a request', makeWrapped);

/** A SQLite store that counts the reads that reach it. */
function countingStore() {
  const store = createSqliteStore({ path: ':memory:' });
  const reads: string[] = [];
  let failNextRead = false;
  const counted: Store = {
    ...store,
    async get(key) {
      reads.push(key);
      if (failNextRead) {
        failNextRead = false;
        throw new Error('store down');
      }
      return store.get(key);
    },
    async getMany(keys) {
      reads.push(...keys);
      return store.getMany(keys);
    },
  };
  return { store, counted, reads, failNext: () => (failNextRead = true) };
}

describe('request memo', () => {
  it('reads a key once per request, getMany asking only for what the request does not have', async () => {
    const { store, counted, reads } = countingStore();
    const memo = createRequestMemo();
    const wrapped = memo.wrap(counted);
    await store.set('a', '1');
    await store.set('b', '2');
    await memo.run(async () => {
      assert.equal(await wrapped.get('a'), '1');
      assert.equal(await wrapped.get('a'), '1');
      assert.deepEqual(await wrapped.getMany(['a', 'b', 'c']), ['1', '2', undefined]);
      assert.deepEqual(await wrapped.getMany(['c', 'b']), [undefined, '2']);
    });
    assert.deepEqual(reads, ['a', 'b', 'c']);
    store.close();
  });

  it('gives back what the request wrote, and asks again after any other write', async () => {
    const { store, counted, reads } = countingStore();
    const memo = createRequestMemo();
    const wrapped = memo.wrap(counted);
    await memo.run(async () => {
      await wrapped.set('k', 'written');
      assert.equal(await wrapped.get('k'), 'written');
      assert.deepEqual(reads, []);
      const writes: ((key: string) => Promise<unknown>)[] = [
        (key) => wrapped.setIfAbsent(key, 'x'),
        (key) => wrapped.take(key),
        (key) => wrapped.delete(key),
        (key) => wrapped.increment(key, 60),
        (key) => wrapped.addToSet(key, 'm'),
        (key) => wrapped.removeFromSet(key, 'm'),
        (key) => wrapped.appendToList(key, 'v'),
      ];
      for (const [index, write] of writes.entries()) {
        const key = `w${index}`;
        await store.set(key, 'before');
        assert.equal(await wrapped.get(key), 'before');
        const readsBefore: number = reads.length;
        await write(key).catch(() => undefined); // wrong-type writes may fail; the key is forgotten all the same
        await store.delete(key);
        await store.set(key, 'changed elsewhere');
        assert.equal(await wrapped.get(key), 'changed elsewhere', `after write ${index}`);
        assert.equal(reads.length, readsBefore + 1);
      }
    });
    store.close();
  });

  it('keeps nothing between requests, nor outside one', async () => {
    const { store, counted, reads } = countingStore();
    const memo = createRequestMemo();
    const wrapped = memo.wrap(counted);
    await store.set('k', '1');
    await memo.run(() => wrapped.get('k'));
    await store.set('k', '2');
    assert.equal(await memo.run(() => wrapped.get('k')), '2');
    assert.equal(await wrapped.get('k'), '2');
    assert.equal(await wrapped.get('k'), '2');
    assert.equal(reads.length, 4);
    store.close();
  });

  it('does not keep a failed read', async () => {
    const { store, counted, failNext } = countingStore();
    const memo = createRequestMemo();
    const wrapped = memo.wrap(counted);
    await store.set('k', '1');
    await memo.run(async () => {
      failNext();
      await assert.rejects(wrapped.get('k'), /store down/);
      assert.equal(await wrapped.get('k'), '1');
    });
    store.close();
  });
});
