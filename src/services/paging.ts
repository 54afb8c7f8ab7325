import type { IndexEntry, Store } from '../store/port.ts';

/**
 * Cursor paging over the store's scored indexes. A cursor is the last entry
 * a page showed (score and member), so the next page starts strictly after
 * it whatever was added or removed meanwhile: each entry is seen once, in
 * order, and a page costs one bounded range read per index.
 */
export interface Cursor {
  score: number;
  member: string;
}

/** A cursor that is not one this code made (edited, truncated, from another list). */
export class CursorError extends Error {
  constructor() {
    super('That page link is not valid any more. Start again from the first page.');
    this.name = 'CursorError';
  }
}

export interface Page<T> {
  items: T[];
  /** The cursor of the next page, when there is one. */
  next?: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.score}\n${cursor.member}`, 'utf8').toString('base64url');
}

/** The cursor in a query string value; undefined for none; CursorError for a malformed one. */
export function decodeCursor(text: unknown): Cursor | undefined {
  if (text === undefined || text === '') return undefined;
  if (typeof text !== 'string' || text.length > 400 || !/^[A-Za-z0-9_-]+$/.test(text)) throw new CursorError();
  const decoded = Buffer.from(text, 'base64url').toString('utf8');
  const newline = decoded.indexOf('\n');
  const score = Number(decoded.slice(0, newline));
  const member = decoded.slice(newline + 1);
  if (newline <= 0 || !Number.isFinite(score) || member === '' || !/^[\w:.@-]{1,200}$/.test(member)) throw new CursorError();
  return { score, member };
}

export interface RangeOptions {
  /** Start strictly after this entry. */
  after?: Cursor;
  limit: number;
  /** Newest (highest score) first. */
  reverse?: boolean;
  min?: number;
  max?: number;
}

const before = (a: IndexEntry, b: IndexEntry, reverse: boolean) => {
  if (a.score !== b.score) return reverse ? a.score > b.score : a.score < b.score;
  return reverse ? a.member > b.member : a.member < b.member;
};

/**
 * Up to `limit` entries of one index strictly after the cursor. Entries that
 * share the cursor's score are skipped by member; when many do, the read
 * widens until it has passed them (scores made unique, as the callers' are,
 * keep that to one read).
 */
export async function rangeAfter(store: Store, key: string, options: RangeOptions): Promise<IndexEntry[]> {
  const { after, limit, reverse = false } = options;
  let min = options.min;
  let max = options.max;
  if (after) {
    if (reverse) max = max === undefined ? after.score : Math.min(max, after.score);
    else min = min === undefined ? after.score : Math.max(min, after.score);
  }
  if (min !== undefined && max !== undefined && min > max) return [];
  let want = limit + (after ? 4 : 0);
  for (;;) {
    const entries = await store.indexRange(key, { min, max, limit: want, reverse });
    const kept = after ? entries.filter((entry) => before(after, entry, reverse)) : entries;
    if (kept.length >= limit || entries.length < want) return kept.slice(0, limit);
    want *= 4;
  }
}

/**
 * One page merged from several indexes (a site admin's sites), by score then
 * member: each index gives at most `limit + 1` entries, so the cost is
 * bounded by the number of indexes, not by their size.
 */
export async function mergedPage(store: Store, keys: readonly string[], options: RangeOptions): Promise<{ entries: IndexEntry[]; next?: Cursor }> {
  const reverse = options.reverse ?? false;
  const lists = await Promise.all(keys.map((key) => rangeAfter(store, key, { ...options, limit: options.limit + 1 })));
  const merged = lists.flat().sort((a, b) => (before(a, b, reverse) ? -1 : before(b, a, reverse) ? 1 : 0));
  const entries = merged.slice(0, options.limit);
  const last = entries.at(-1);
  return { entries, next: merged.length > options.limit && last ? { score: last.score, member: last.member } : undefined };
}

/** Every entry of several indexes in order, a page at a time (exports): memory is one page per index. */
export async function* allEntries(
  store: Store,
  keys: readonly string[],
  options: Omit<RangeOptions, 'limit' | 'after'> & { pageSize: number },
): AsyncGenerator<IndexEntry[]> {
  let after: Cursor | undefined;
  for (;;) {
    const page = await mergedPage(store, keys, { ...options, limit: options.pageSize, after });
    if (page.entries.length) yield page.entries;
    if (!page.next) return;
    after = page.next;
  }
}
