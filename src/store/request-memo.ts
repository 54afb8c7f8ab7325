import { AsyncLocalStorage } from 'node:async_hooks';
import type { Store } from './port.ts';

type Value = string | undefined;
/** A key's read: a get's own (index -1), or its place in a getMany's answer. */
type Held = { read: Promise<Value> | Promise<readonly Value[]>; index: number };

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
 * other write (setIfAbsent, take, compareAndDelete, delete, increment, set and list changes, writeAll)
 * forgets the key, so the next read asks the store. Reads by other requests
 * and other processes are not seen once a key is held: a request works on
 * one view of each record, as if it had read them all at its start.
 * Atomic operations (setIfAbsent, take, compareAndDelete, increment) always go to the store.
 * Outside a request (start-up, the CLI, timers) nothing is kept.
 */
const UNMEMOIZED = Symbol('admit.unmemoized');

/**
 * The store under a request memo, for the rare read that must see what other
 * requests wrote since (an index kept in step with its record re-reads the
 * record after writing it); any other store is its own.
 */
export function withoutMemo(store: Store): Store {
  return (store as Store & { [UNMEMOIZED]?: Store })[UNMEMOIZED] ?? store;
}

export function createRequestMemo() {
  const current = new AsyncLocalStorage<Map<string, Held>>();

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
    const dropOnFailure = (memo: Map<string, Held>, keys: readonly string[], read: Promise<unknown>) => {
      read.catch(() => {
        for (const key of keys) if (memo.get(key)?.read === read) memo.delete(key);
      });
    };
    const heldValue = (held: Held): Promise<Value> =>
      held.index < 0 ? (held.read as Promise<Value>) : (held.read as Promise<readonly Value[]>).then((values) => values[held.index]);

    const wrapped: Store & { [UNMEMOIZED]: Store } = {
      [UNMEMOIZED]: store,
      get(key) {
        const memo = current.getStore();
        if (!memo) return store.get(key);
        const held = memo.get(key);
        if (held) return heldValue(held);
        const read = store.get(key);
        memo.set(key, { read, index: -1 });
        dropOnFailure(memo, [key], read);
        return read;
      },
      getMany(keys) {
        const memo = current.getStore();
        if (!memo) return store.getMany(keys);
        const missing = keys.filter((key) => !memo.has(key));
        if (missing.length === 0) return Promise.all(keys.map((key) => heldValue(memo.get(key)!)));
        const read = store.getMany(missing);
        for (const [index, key] of missing.entries()) memo.set(key, { read, index });
        dropOnFailure(memo, missing, read);
        // The usual case, nothing of it held yet: the one read answers as it is.
        return missing.length === keys.length ? read : Promise.all(keys.map((key) => heldValue(memo.get(key)!)));
      },
      set(key, value, options) {
        forget([key]);
        return store.set(key, value, options).then(() => {
          current.getStore()?.set(key, { read: Promise.resolve(value), index: -1 });
        });
      },
      setIfAbsent(key, value, options) {
        forget([key]);
        return store.setIfAbsent(key, value, options);
      },
      take(key) {
        forget([key]);
        return store.take(key);
      },
      compareAndDelete(key, expected) {
        forget([key]);
        return store.compareAndDelete(key, expected);
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
      writeAll(ops, options) {
        forget(ops.map((op) => op.key));
        return store.writeAll(ops, options);
      },
      indexRange: (key, options) => store.indexRange(key, options),
      indexCount: (key, options) => store.indexCount(key, options),
      claimDue: (key, options) => store.claimDue(key, options),
      lexRange: (key, options) => store.lexRange(key, options),
      setMembers: (key) => store.setMembers(key),
      setScan: (key, options) => store.setScan(key, options),
      listRange: (key, start, count) => store.listRange(key, start, count),
      listLength: (key) => store.listLength(key),
      ping: () => store.ping(),
      close: () => store.close(),
    };
    return wrapped;
  }

  return { run, wrap };
}

export type RequestMemo = ReturnType<typeof createRequestMemo>;
