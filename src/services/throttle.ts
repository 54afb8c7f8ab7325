import { storeKey, type Store } from '../store/port.ts';

/**
 * Fixed-window counters in the store, so limits hold across app instances.
 * Used for sign-in attempts per IP and failures per user name.
 */
export function createThrottle({ store }: { store: Store }) {
  const key = (name: string) => storeKey('throttle', name);
  return {
    /** Counts one event and returns the count in the current window. */
    hit: (name: string, windowSeconds: number) => store.increment(key(name), windowSeconds),
    /** Takes back one counted event (an attempt that turned out not to count). */
    giveBack: (name: string, windowSeconds: number) => store.increment(key(name), windowSeconds, -1),
    /** The count in the current window without adding to it. */
    async count(name: string): Promise<number> {
      const value = await store.get(key(name));
      return value === undefined ? 0 : Number(value);
    },
    reset: (name: string) => store.delete(key(name)),
  };
}

export type Throttle = ReturnType<typeof createThrottle>;

/** The sign-in failure counter of a user name in a site: the lockout that reset and unlock clear. */
export const signInCounter = (siteId: string, username: string) => `user:${siteId}:${username.toLowerCase()}`;
