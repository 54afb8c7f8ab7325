/**
 * The one storage port. Every backend (SQLite, Redis) implements it and passes
 * the same contract suite (test/store/contract.ts).
 *
 * Keys are plain strings made by `storeKey()`. The part in braces is the Redis
 * Cluster hash tag: keys that are read together in one command (a record and
 * its consumption marker) share it, so they live in one slot. Backends other
 * than Redis treat braces as ordinary characters.
 *
 * Values are strings; callers serialise. TTLs are whole seconds; a key past its
 * TTL is absent for every operation, whether or not the backend has swept it yet.
 */
export interface Store {
  /** The value, or undefined when absent or expired. */
  get(key: string): Promise<string | undefined>;
  /** Several values in one round trip, in the order asked (the answer may be shared: read it, do not change it). */
  getMany(keys: readonly string[]): Promise<readonly (string | undefined)[]>;
  /** Writes the value, replacing any; `ttlSeconds` omitted means no expiry. */
  set(key: string, value: string, options?: { ttlSeconds?: number }): Promise<void>;
  /**
   * Writes the value only when the key is absent (or expired), atomically:
   * of N parallel callers exactly one gets `true`. Used for uniqueness
   * (user names, emails) and one-time consumption.
   */
  setIfAbsent(key: string, value: string, options?: { ttlSeconds?: number }): Promise<boolean>;
  /** Removes the key and returns the value it had, atomically: one caller wins. */
  take(key: string): Promise<string | undefined>;
  /**
   * Removes the key only while it still holds exactly `expected`, atomically:
   * of N parallel callers at most one gets `true`, and a value written since
   * the caller read it (a new one-time code) is left alone.
   */
  compareAndDelete(key: string, expected: string): Promise<boolean>;
  delete(...keys: string[]): Promise<void>;
  /**
   * Adds `by` (default 1; negative to give one back) and returns the new
   * count. The first increment starts a window of `ttlSeconds`; later ones do
   * not extend it (fixed-window rate limiting).
   */
  increment(key: string, ttlSeconds: number, by?: number): Promise<number>;
  /** Adds a member to a set; the set's TTL becomes at least `ttlSeconds`. */
  addToSet(key: string, member: string, options?: { ttlSeconds?: number }): Promise<void>;
  removeFromSet(key: string, member: string): Promise<void>;
  setMembers(key: string): Promise<string[]>;
  /**
   * Appends a value to an append-only list (the audit log) and returns the
   * list's new length. Parallel appends all land, each at its own position.
   * Lists never expire; `delete` removes a whole list.
   */
  appendToList(key: string, value: string): Promise<number>;
  /** Up to `count` items from position `start` (0 is the oldest), in order. */
  listRange(key: string, start: number, count: number): Promise<string[]>;
  /** The number of items in the list (0 when absent). */
  listLength(key: string): Promise<number>;
  /** Throws when the backend cannot serve; used by /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Builds `namespace:{id}` or `namespace:{id}:suffix` (see the hash-tag note above). */
export function storeKey(namespace: string, id: string, suffix?: string): string {
  return suffix === undefined ? `${namespace}:{${id}}` : `${namespace}:{${id}}:${suffix}`;
}

/** Raised by a backend that cannot reach its server; the HTTP layer answers 503. */
export class StoreUnavailableError extends Error {
  readonly code = 'store_unavailable';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}
