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
  /**
   * Applies every operation or none, atomically: no reader sees some of them
   * without the others, and a process killed during the call leaves all or
   * none. Every key (the operations' and `onlyIf`'s) must share one hash tag,
   * so the write is one Redis Cluster slot; keys with different tags are a
   * RangeError on every backend, so code that works on SQLite works on
   * Cluster. `onlyIf`: the write happens only while that key holds exactly
   * `equals` (`undefined`: while it is absent). Returns whether it was applied.
   */
  writeAll(ops: readonly WriteOp[], options?: { onlyIf?: { key: string; equals: string | undefined } }): Promise<boolean>;
  /**
   * Members of a scored index (`indexAdd` / `indexRemove` / `indexTrim` in
   * `writeAll`), ordered by score then member (both descending with
   * `reverse`), between `min` and `max` inclusive, at most `limit`. Indexes
   * never expire unless given an end (`indexExpireAt`); `delete` removes a whole index.
   */
  indexRange(key: string, options: { min?: number; max?: number; limit: number; reverse?: boolean }): Promise<IndexEntry[]>;
  /**
   * How many members of a scored index score between `min` and `max`
   * inclusive (both omitted: the whole index), without reading them: a count
   * for a page heading ("N waiting"). An absent or ended index counts 0.
   */
  indexCount(key: string, options?: { min?: number; max?: number }): Promise<number>;
  /**
   * Atomically takes up to `limit` members whose score is at most `upTo`
   * (lowest first) and moves them to score `setTo`, returning them: of
   * parallel callers (processes too) each member goes to one. A work queue
   * whose score is the due time makes this a lease: a taken member whose
   * taker dies becomes due again at `setTo`.
   */
  claimDue(key: string, options: { upTo: number; setTo: number; limit: number }): Promise<string[]>;
  /**
   * Members of a lexicographic index (`lexAdd` / `lexRemove` in `writeAll`),
   * in the byte order of their UTF-8 (code point order; descending with
   * `reverse`), at most `limit`: those starting with `prefix`, strictly after
   * `after` and strictly before `before` (cursors: the last member of the
   * previous page). A prefix range is an index range, never a scan of the
   * whole index. Members are well-formed strings without U+0000. Indexes
   * never expire; `delete` removes a whole index. A key is one kind: a set,
   * a list, a scored or a lexicographic index.
   */
  lexRange(key: string, options: LexRangeOptions): Promise<string[]>;
  /**
   * One page of a set's members, for walking a large set without reading it
   * whole: start without `cursor`, pass back the one answered, stop when it
   * is undefined. Every member present for the whole walk is answered at
   * least once (a member may come twice); `count` is a hint, not a cap.
   */
  setScan(key: string, options: { cursor?: string; count: number }): Promise<{ members: string[]; cursor?: string }>;
  /** Throws when the backend cannot serve; used by /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** One step of `Store.writeAll`. */
export type WriteOp =
  | { op: 'set'; key: string; value: string; ttlSeconds?: number }
  | { op: 'delete'; key: string }
  | { op: 'addToSet'; key: string; member: string }
  | { op: 'removeFromSet'; key: string; member: string }
  /** Adds a member to a scored index, or moves it to `score`. */
  | { op: 'indexAdd'; key: string; member: string; score: number }
  | { op: 'indexRemove'; key: string; member: string }
  /** Removes every member whose score is at most `maxScore`. */
  | { op: 'indexTrim'; key: string; maxScore: number }
  /** Adds a member to a lexicographic index (`lexRange`); adding one already there is a no-op. */
  | { op: 'lexAdd'; key: string; member: string }
  | { op: 'lexRemove'; key: string; member: string }
  /**
   * The whole scored index ends at `at` (epoch ms): from then on it is
   * absent to every operation, as if deleted, and a later `indexAdd` starts
   * a new index without an end. Applies to the index as it is at this step
   * (an absent index stays absent, so put it after the `indexAdd`); setting
   * it again moves the end; a moment already past removes the index now.
   * Per-day indexes that must not outlive a retention period use it.
   */
  | { op: 'indexExpireAt'; key: string; at: number };

export interface LexRangeOptions {
  prefix?: string;
  after?: string;
  before?: string;
  limit: number;
  reverse?: boolean;
}

export interface IndexEntry {
  member: string;
  score: number;
}

/** Compares two strings in the byte order of their UTF-8, the order of `lexRange` (JavaScript's `<` compares UTF-16 units). */
export function compareLex(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * The bounds of a `lexRange` as both backends apply them: the lowest member
 * (inclusive or not) and the first member past the range (exclusive), each
 * absent when unbounded. The prefix's end is the prefix with its last code
 * point incremented: in code point order, exactly the strings starting with
 * the prefix lie between the two.
 */
export function lexBounds(options: LexRangeOptions): { low?: { value: string; inclusive: boolean }; high?: string } {
  if (!(options.limit >= 0)) throw new RangeError(`lexRange needs limit >= 0, got ${options.limit}`);
  for (const bound of [options.prefix, options.after, options.before]) {
    if (bound !== undefined && (typeof bound !== 'string' || bound.includes('\u0000'))) throw new RangeError('lexRange bounds are strings without U+0000');
  }
  const prefix = options.prefix || undefined;
  let low: { value: string; inclusive: boolean } | undefined = prefix === undefined ? undefined : { value: prefix, inclusive: true };
  if (options.after !== undefined && (low === undefined || compareLex(options.after, low.value) >= 0)) low = { value: options.after, inclusive: false };
  let high = prefix === undefined ? undefined : prefixEnd(prefix);
  if (options.before !== undefined && (high === undefined || compareLex(options.before, high) < 0)) high = options.before;
  return { ...(low ? { low } : {}), ...(high === undefined ? {} : { high }) };
}

/** The least string greater than every string starting with `prefix` (undefined: none, every code point is the last one). */
function prefixEnd(prefix: string): string | undefined {
  const points = [...prefix].map((char) => char.codePointAt(0)!);
  while (points.length) {
    const last = points.pop()!;
    if (last < 0x10ffff) {
      points.push(last + 1 === 0xd800 ? 0xe000 : last + 1);
      return String.fromCodePoint(...points);
    }
  }
  return undefined;
}

/** The Redis Cluster hash tag of a key: the first `{…}` with something inside, else the whole key. */
export function hashTagOf(key: string): string {
  const open = key.indexOf('{');
  if (open === -1) return key;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : key;
}

/** The keys a `writeAll` touches; throws the contract's RangeError when they do not share one hash tag. */
export function keysOfWrite(ops: readonly WriteOp[], onlyIf?: { key: string }): string[] {
  const keys = [...ops.map((op) => op.key), ...(onlyIf ? [onlyIf.key] : [])];
  const tag = keys.length ? hashTagOf(keys[0]!) : '';
  const stray = keys.find((key) => hashTagOf(key) !== tag);
  if (stray !== undefined) throw new RangeError(`writeAll keys must share one hash tag: "${keys[0]}" and "${stray}" do not`);
  for (const op of ops) {
    if (op.op === 'set' && op.ttlSeconds !== undefined && !(Math.round(op.ttlSeconds * 1000) > 0))
      throw new RangeError(`ttlSeconds must be positive, got ${op.ttlSeconds}`);
    if ((op.op === 'lexAdd' || op.op === 'lexRemove') && (typeof op.member !== 'string' || op.member.includes('\u0000')))
      throw new RangeError('lexicographic index members are strings without U+0000');
    if ((op.op === 'indexAdd' && !Number.isFinite(op.score)) || (op.op === 'indexTrim' && !Number.isFinite(op.maxScore)))
      throw new RangeError('index scores must be finite numbers');
    if (op.op === 'indexExpireAt' && !Number.isSafeInteger(op.at)) throw new RangeError(`indexExpireAt needs a whole number of ms, got ${op.at}`);
  }
  return keys;
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
