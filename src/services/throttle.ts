import { type Store, storeKey } from '../store/port.ts';

/**
 * Sliding-window counters in the store, so limits hold across app instances
 * and on both backends (they need only `increment`, `getMany` and `delete`).
 *
 * A fixed window lets a burst at the end of one window and another at the
 * start of the next both through (twice the limit in a moment). Here each
 * window of `windowSeconds` (aligned to the epoch) has its own counter, and
 * the count is this window's plus the previous window's weighted by how much
 * of it the last `windowSeconds` still overlaps: a burst at the edge still
 * counts in full just after it, and fades out over the next window.
 *
 * The two counters of a name share its hash tag (one Redis Cluster slot), so
 * they are read and deleted in one command. Counts are estimates (the
 * previous window's events are taken as spread evenly), never below this
 * window's own events.
 */
export function createThrottle({ store, now = Date.now }: { store: Store; now?: () => number }) {
  const slot = (windowSeconds: number, at = now()) => {
    const length = windowSeconds * 1000;
    return { index: Math.floor(at / length), elapsed: (at % length) / length };
  };
  // A window's counter must outlive the window after it, which reads it.
  const key = (name: string, windowSeconds: number, index: number) => storeKey('throttle', name, `${windowSeconds}:${index}`);
  const weighted = (current: number, previous: number, elapsed: number) => current + previous * (1 - elapsed);

  async function previousCount(name: string, windowSeconds: number, index: number): Promise<number> {
    return Number((await store.get(key(name, windowSeconds, index - 1))) ?? 0);
  }

  /**
   * Counts one event and returns the count over the last `windowSeconds`,
   * this event included, and how to take the event back (an attempt that
   * turned out not to count, e.g. a directory outage): from the window it was
   * counted in, even once the next one has begun.
   */
  async function take(name: string, windowSeconds: number): Promise<{ count: number; giveBack(): Promise<void> }> {
    const { index, elapsed } = slot(windowSeconds);
    const counted = key(name, windowSeconds, index);
    const [current, previous] = await Promise.all([store.increment(counted, 2 * windowSeconds), previousCount(name, windowSeconds, index)]);
    return {
      count: weighted(current, previous, elapsed),
      giveBack: async () => {
        await store.increment(counted, 2 * windowSeconds, -1);
      },
    };
  }

  return {
    take,
    /** Counts one event and returns the count over the last `windowSeconds`, this event included. */
    hit: async (name: string, windowSeconds: number): Promise<number> => (await take(name, windowSeconds)).count,
    /** The count over the last `windowSeconds` without adding to it. */
    async count(name: string, windowSeconds: number): Promise<number> {
      const { index, elapsed } = slot(windowSeconds);
      const [current, previous] = await store.getMany([key(name, windowSeconds, index), key(name, windowSeconds, index - 1)]);
      return weighted(Number(current ?? 0), Number(previous ?? 0), elapsed);
    },
    /** Forgets every counted event of the name. */
    async reset(name: string, windowSeconds: number): Promise<void> {
      const { index } = slot(windowSeconds);
      await store.delete(key(name, windowSeconds, index), key(name, windowSeconds, index - 1));
    },
  };
}

export type Throttle = ReturnType<typeof createThrottle>;
