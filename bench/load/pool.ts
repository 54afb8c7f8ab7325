/**
 * Items prepared before a timed run (authorization codes, refresh tokens,
 * access tokens), so the run times only the endpoint. A one-time pool hands
 * each item out once; a reusable one goes round.
 */
export interface Pool<T> {
  take(): T | undefined;
  readonly size: number;
  readonly used: number;
}

export function oneTimePool<T>(items: T[]): Pool<T> {
  let next = 0;
  return {
    take: () => (next < items.length ? items[next++] : undefined),
    get size() {
      return items.length;
    },
    get used() {
      return next;
    },
  };
}

export function roundRobinPool<T>(items: T[]): Pool<T> {
  let next = 0;
  return {
    take: () => (items.length === 0 ? undefined : items[next++ % items.length]),
    get size() {
      return items.length;
    },
    get used() {
      return next;
    },
  };
}
