import { AsyncLocalStorage } from 'node:async_hooks';
import type { Store } from './port.ts';

type Value = string | undefined;

/**
 * Within one HTTP request, a key is read from the store once. A sign-in reads
 * the same records many times over in one request: the account (the approval
 * gate, each sign-in step, oidc-provider's login checks and findAccount), the
 * interaction (oidc-provider's interactionDetails, each time it is asked).
 * Passing each record down every path would tie the steps to one another;
 * this memo gives every read after the first the value the request already
 * has, without a round trip.
 *
 * What the request writes, it reads back: `set` keeps the written value, any
 * other write (setIfAbsent, take, delete, increment, set and list changes)
 * forgets the key, so the next read asks the store. Reads by other requests
 * and other processes are not seen once a key is held: a request works on
 * one view of each record, as if it had read them all at its start.
 * Atomic operations (setIfAbsent, take, increment) always go to the store.
 * Outside a request (start-up, the CLI, timers) nothing is kept.
 */
export function createRequestMemo() {
  const current = new AsyncLocalStorage<Map<string, Promise<Value>>>();

  /** Runs `task` with a fresh memo: call it once per request. */
  function run<T>(task: () => T): T {
    return current.run(new Map(), task);
  }

  function wrap(store: Store): Store {
    const forget = (keys: readonly string[]) => {
      const memo = current.getStore();
      if (memo) for (const key of keys) memo.delete(key);
    };
    // A failed read is not kept: the next read tries again.
    const keep = (memo: Map<string, Promise<Value>>, key: string, read: Promise<Value>) => {
      memo.set(key, read);
      read.catch(() => {
        if (memo.get(key) === read) memo.delete(key);
      });
      return read;
    };

    return {
      get(key) {
        const memo = current.getStore();
        if (!memo) return store.get(key);
        return memo.get(key) ?? keep(memo, key, store.get(key));
      },
      getMany(keys) {
        const memo = current.getStore();
        if (!memo) return store.getMany(keys);
        const missing = keys.filter((key) => !memo.has(key));
        if (missing.length > 0) {
          const read = store.getMany(missing);
          missing.forEach((key, index) => keep(memo, key, read.then((values) => values[index])));
        }
        return Promise.all(keys.map((key) => memo.get(key)!));
      },
      async set(key, value, options) {
        forget([key]);
        await store.set(key, value, options);
        current.getStore()?.set(key, Promise.resolve(value));
      },
      async setIfAbsent(key, value, options) {
        forget([key]);
        return store.setIfAbsent(key, value, options);
      },
      take(key) {
        forget([key]);
        return store.take(key);
      },
      delete(...keys) {
        forget(keys);
        return store.delete(...keys);
      },
      increment(key, ttlSeconds, by) {
        forget([key]);
        return store.increment(key, ttlSeconds, by);
      },
      addToSet(key, member, options) {
        forget([key]);
        return store.addToSet(key, member, options);
      },
      removeFromSet(key, member) {
        forget([key]);
        return store.removeFromSet(key, member);
      },
      appendToList(key, value) {
        forget([key]);
        return store.appendToList(key, value);
      },
      setMembers: (key) => store.setMembers(key),
      listRange: (key, start, count) => store.listRange(key, start, count),
      listLength: (key) => store.listLength(key),
      ping: () => store.ping(),
      close: () => store.close(),
    };
  }

  return { run, wrap };
}

export type RequestMemo = ReturnType<typeof createRequestMemo>;
