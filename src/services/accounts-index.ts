import { compareLex, type Store, storeKey, type WriteOp } from '../store/port.ts';
import { withoutMemo } from '../store/request-memo.ts';
import { CursorError } from './paging.ts';

/**
 * The account indexes of a site (issue 16: a search read every account of
 * the site). Lexicographic indexes (Store.lexRange) of folded values, one per
 * field and per status, plus one per field over every status:
 *
 *   account-lex:{SITE}:username:all      "<canonical user name>\u0001<account id>"
 *   account-lex:{SITE}:email:active      "<lower-cased email>\u0001<account id>"
 *   account-lex:{SITE}:name:pending_approval …
 *
 * A prefix search is one index range; paging is by the last member seen
 * (the cursor), so no page reads more than it shows (plus what it skips).
 * Every key of a site shares its hash tag, so one writeAll changes them
 * together on Redis Cluster too.
 *
 * Consistency. The record (`account:{id}`) and the indexes have different
 * hash tags, so they cannot change in one atomic write. Each account has an
 * index state key (`account-lex:{SITE}:of:<id>`, the members it is entered
 * under); every index change is one writeAll guarded by that key (compare
 * and set), so the indexes hold exactly what the state says. A save
 *   1. adds the new values' members (the state becomes old ∪ new),
 *   2. writes the record,
 *   3. syncs: reads the state, then the record (unmemoized), and moves the
 *      indexes to the record's members, retrying when another sync moved the
 *      state meanwhile.
 * The last save's sync reads the last record, so the indexes converge to it
 * whatever the interleaving; a process killed between steps leaves extra
 * members (never missing ones), which the next save of the account removes.
 * Readers therefore verify every hit against the record (it exists, is of the
 * site, still has that value) and skip stale ones; a reader never deletes
 * (a hit may be a save in flight between steps 1 and 2).
 */

export type SearchField = 'username' | 'email' | 'name';
/** The indexed values: the three searchable fields, and the email's domain (a search in every field finds `partner.test`). */
type IndexedField = SearchField | 'domain';
const INDEXED_FIELDS: readonly IndexedField[] = ['username', 'email', 'name', 'domain'];
const ANY_FIELD: readonly IndexedField[] = INDEXED_FIELDS;
type Status = 'active' | 'disabled' | 'pending_approval' | 'denied';
/** What the index needs of an account record (accounts.ts's Account; not imported, so the two files do not import each other). */
interface IndexedRecord {
  id: string;
  siteId: string;
  status: Status;
}
type Slot = Status | 'all';

const SEPARATOR = '\u0001';
/** The longest cursor accepted, base64url (a folded value is capped when indexed, plus the id). */
const MAX_CURSOR_LENGTH = 1200;
/** Values are indexed up to this many code points (a longer one is found by its start). */
const MAX_VALUE_LENGTH = 200;
const capped = (value: string) => (value.length > MAX_VALUE_LENGTH ? [...value].slice(0, MAX_VALUE_LENGTH).join('') : value);
const accountKey = (id: string) => storeKey('account', id);
const indexKey = (siteId: string, field: IndexedField, slot: Slot) => storeKey('account-lex', siteId, `${field}:${slot}`);
const stateKey = (siteId: string, id: string) => storeKey('account-lex', siteId, `of:${id}`);
const backfillKey = (siteId: string) => storeKey('account-lex', siteId, 'backfill');

const dropControls = (value: string) => value.replace(/\p{Cc}/gu, '');
/** Names and user names as compared: compatibility forms, lower case, one space between words. */
export const foldText = (value: string): string => capped(dropControls(value.normalize('NFKC').toLowerCase().normalize('NFKC').replace(/\s+/gu, ' ')).trim());
/** Emails as compared (as findByEmail always did): lower case, trimmed. */
export const foldEmail = (value: string): string => capped(dropControls(value.trim().toLowerCase()));

const domainOf = (email: string) => {
  const folded = foldEmail(email);
  return folded.includes('@') ? folded.slice(folded.lastIndexOf('@') + 1) : '';
};
const folders: Record<IndexedField, (value: string) => string> = { username: foldText, email: foldEmail, name: foldText, domain: domainOf };
/** A query as the prefix of each index: a domain is asked as `partner.test` or `@partner.test`, never with a local part. */
const queryFolders: Record<IndexedField, (query: string) => string> = {
  ...folders,
  domain: (query) => {
    const folded = foldEmail(query);
    return folded.startsWith('@') ? folded.slice(1) : folded.includes('@') ? '' : folded;
  },
};

interface Entry {
  key: string;
  member: string;
}
const entryId = (entry: Entry) => `${entry.key}\n${entry.member}`;

/** A cursor is a member (a folded value, the separator, an account id), base64url for a query string. */
const encodeCursor = (member: string) => Buffer.from(member, 'utf8').toString('base64url');

/** The member of a cursor this code made; CursorError for anything else (edited, truncated). */
function decodeCursor(text: string): string {
  if (text.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text)) throw new CursorError();
  const member = Buffer.from(text, 'base64url').toString('utf8');
  if (!member.includes(SEPARATOR) || member.includes('\u0000') || member.includes('\ufffd') || encodeCursor(member) !== text) throw new CursorError();
  return member;
}

export interface SearchOptions {
  /** A prefix of the folded value; empty or absent: every account. */
  query?: string;
  /** Which value the prefix is of; absent: user name, email or name (an account matching two comes once, at its first). */
  field?: SearchField;
  status?: Status;
  /** The `next` of the previous page (CursorError when it is not one). */
  after?: string;
  /** The `prev` of the next page: the page before it. */
  before?: string;
  /** Descending order (Z to A): `after` and `before` still mean the next and previous page in that order. */
  reverse?: boolean;
  limit: number;
}

export interface SearchPage<Account extends IndexedRecord = IndexedRecord> {
  accounts: Account[];
  /** Pass as `after` for the next page; absent on the last. */
  next?: string;
  /** Pass as `before` for the previous page; absent on the first. */
  prev?: string;
}

/** How many rounds of index reads one page may take when hits turn out stale (each round reads at most limit + 1 per index). */
const MAX_ROUNDS = 4;
const BACKFILL_PAGE = 200;

export function createAccountIndex<Account extends IndexedRecord>({
  store,
  siteAccountsKey,
  fieldValue,
}: {
  store: Store;
  siteAccountsKey: (siteId: string) => string;
  fieldValue: (account: Account, field: SearchField) => string | undefined;
}) {
  const direct = withoutMemo(store);

  function entriesOf(account: Account): Entry[] {
    const entries: Entry[] = [];
    for (const field of INDEXED_FIELDS) {
      const raw = fieldValue(account, field === 'domain' ? 'email' : field);
      const value = raw === undefined ? '' : folders[field](raw);
      if (!value) continue;
      const member = `${value}${SEPARATOR}${account.id}`;
      for (const slot of ['all', account.status] as const) entries.push({ key: indexKey(account.siteId, field, slot), member });
    }
    return entries;
  }

  const parseState = (raw: string | undefined): Entry[] => (raw === undefined ? [] : (JSON.parse(raw) as Entry[]));

  /** Moves the account's index entries to `target(current)` in one guarded write; retried when another writer moved them first. */
  async function moveEntries(siteId: string, id: string, target: (current: Entry[]) => Promise<Entry[]>): Promise<void> {
    const key = stateKey(siteId, id);
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const raw = await direct.get(key);
      const current = parseState(raw);
      const wanted = await target(current);
      const have = new Set(current.map(entryId));
      const want = new Set(wanted.map(entryId));
      const ops: WriteOp[] = [
        ...current.filter((entry) => !want.has(entryId(entry))).map((entry): WriteOp => ({ op: 'lexRemove', key: entry.key, member: entry.member })),
        ...wanted.filter((entry) => !have.has(entryId(entry))).map((entry): WriteOp => ({ op: 'lexAdd', key: entry.key, member: entry.member })),
      ];
      if (ops.length === 0) return;
      ops.push(wanted.length ? { op: 'set', key, value: JSON.stringify(wanted) } : { op: 'delete', key });
      if (await store.writeAll(ops, { onlyIf: { key, equals: raw } })) return;
    }
    // Eight writers in a row moved the entries under us: the last of them syncs after its own record write.
  }

  /** Step 1 of a save: the new values are findable before the record says them (extra entries are skipped by readers). */
  const prepare = (account: Account) =>
    moveEntries(account.siteId, account.id, async (current) => {
      const seen = new Set(current.map(entryId));
      return [...current, ...entriesOf(account).filter((entry) => !seen.has(entryId(entry)))];
    });

  /** Step 3 of a save (and the backfill): the entries become the record's as stored now. */
  const sync = (siteId: string, id: string) =>
    moveEntries(siteId, id, async () => {
      const raw = await direct.get(accountKey(id));
      const account = raw === undefined ? undefined : (JSON.parse(raw) as Account);
      return account && account.siteId === siteId ? entriesOf(account) : [];
    });

  /**
   * Indexes the accounts stored before the indexes existed: walks the site's
   * account set page by page (never whole), resuming from the marker's
   * cursor after a restart; the marker says "done" at the end.
   */
  async function backfill(siteId: string): Promise<void> {
    const marker = await direct.get(backfillKey(siteId));
    if (marker === 'done') return;
    let cursor = marker === undefined ? undefined : (JSON.parse(marker) as { cursor?: string }).cursor;
    for (;;) {
      const page = await direct.setScan(siteAccountsKey(siteId), { cursor, count: BACKFILL_PAGE });
      await Promise.all(page.members.map((id) => sync(siteId, id)));
      cursor = page.cursor;
      if (cursor === undefined) break;
      await direct.set(backfillKey(siteId), JSON.stringify({ cursor }));
    }
    await direct.set(backfillKey(siteId), 'done');
  }

  // Per service instance (one per process): a site's backfill runs once, shared by concurrent first readers.
  const backfills = new Map<string, Promise<void>>();
  function ensureIndexed(siteId: string): Promise<void> {
    let running = backfills.get(siteId);
    if (!running) {
      running = backfill(siteId);
      backfills.set(siteId, running);
      running.catch(() => backfills.delete(siteId));
    }
    return running;
  }

  interface List {
    siteId: string;
    field: IndexedField;
    key: string;
    prefix: string;
  }
  interface Hit {
    list: List;
    member: string;
  }

  const idOf = (member: string) => member.slice(member.lastIndexOf(SEPARATOR) + 1);

  async function search(siteIds: readonly string[], options: SearchOptions): Promise<SearchPage<Account>> {
    const limit = Math.trunc(options.limit);
    if (!(limit > 0)) throw new RangeError(`search needs a positive limit, got ${options.limit}`);
    const afterMember = options.after === undefined ? undefined : decodeCursor(options.after);
    const beforeMember = options.before === undefined ? undefined : decodeCursor(options.before);
    const backward = beforeMember !== undefined;
    // The index is read downwards for a previous page, or for every page of a descending order (not both).
    const down = backward !== (options.reverse ?? false);
    const fields: readonly IndexedField[] = options.field ? [options.field] : options.query ? ANY_FIELD : ['username'];
    const slot: Slot = options.status ?? 'all';
    const sites = [...new Set(siteIds)];
    await Promise.all(sites.map(ensureIndexed));
    // A query that folds to nothing for an index (`@` for a name) does not make that index a full listing.
    const lists: List[] = sites.flatMap((siteId) =>
      fields.flatMap((field) => {
        const prefix = options.query ? queryFolders[field](options.query) : '';
        return options.query && !prefix ? [] : [{ siteId, field, key: indexKey(siteId, field, slot), prefix }];
      }),
    );
    if (lists.length === 0) return { accounts: [] };
    const order = (a: Hit, b: Hit) => (down ? -1 : 1) * compareLex(a.member, b.member);

    /** Whether the hit is live and the account's first match among the lists searched (so it shows once). */
    function counts(hit: Hit, account: Account | undefined): boolean {
      if (!account || account.siteId !== hit.list.siteId || idOf(hit.member) !== account.id) return false;
      if (options.status && account.status !== options.status) return false;
      const entries = new Set(entriesOf(account).map(entryId));
      if (!entries.has(entryId({ key: hit.list.key, member: hit.member }))) return false;
      const matches = lists
        .filter((list) => list.siteId === account.siteId)
        .flatMap((list) =>
          entriesOf(account)
            .filter((entry) => entry.key === list.key && entry.member.startsWith(list.prefix))
            .map((entry) => ({ list, member: entry.member })),
        )
        .sort(order);
      return matches[0]?.list.key === hit.list.key && matches[0].member === hit.member;
    }

    const found: { account: Account; member: string }[] = [];
    let cursor = backward ? beforeMember : afterMember;
    let more = false;
    for (let round = 0; round < MAX_ROUNDS && found.length < limit; round += 1) {
      const want = limit - found.length + 1;
      const answers = await Promise.all(
        lists.map((list) =>
          store.lexRange(list.key, { prefix: list.prefix || undefined, limit: want, ...(down ? { before: cursor, reverse: true } : { after: cursor }) }),
        ),
      );
      const hits = answers
        .flatMap((members, index) => members.map((member) => ({ list: lists[index]!, member })))
        .sort(order)
        .slice(0, want);
      const raws = await store.getMany([...new Set(hits.map((hit) => accountKey(idOf(hit.member))))]);
      const byId = new Map(raws.flatMap((raw) => (raw === undefined ? [] : [[(JSON.parse(raw) as Account).id, JSON.parse(raw) as Account] as const])));
      let considered = 0;
      for (const hit of hits) {
        if (found.length === limit) break;
        considered += 1;
        const account = byId.get(idOf(hit.member));
        if (counts(hit, account) && !found.some((entry) => entry.account.id === account!.id)) found.push({ account: account!, member: hit.member });
      }
      more = considered < hits.length || hits.length === want;
      if (!more) break;
      cursor = hits[considered - 1]?.member ?? cursor;
    }
    if (backward) found.reverse();
    const first = found[0]?.member;
    const last = found.at(-1)?.member;
    const page: SearchPage<Account> = { accounts: found.map((entry) => entry.account) };
    // Forward: more after the page is `more`; a page reached by a cursor has one before it. Backward: the other way round.
    const after = backward ? (last ?? beforeMember) : more ? (found.length === limit ? last : cursor) : undefined;
    const before = backward ? (more ? (first ?? cursor) : undefined) : afterMember !== undefined ? (first ?? afterMember) : undefined;
    if (after !== undefined) page.next = encodeCursor(after);
    if (before !== undefined) page.prev = encodeCursor(before);
    return page;
  }

  /** The site's accounts with this email (folded), by the index: at most `limit` (an email is claimed once, so there are few). */
  async function findByEmail(siteId: string, email: string, limit = 50): Promise<Account[]> {
    const wanted = foldEmail(email);
    if (!wanted) return [];
    await ensureIndexed(siteId);
    const members = await store.lexRange(indexKey(siteId, 'email', 'all'), { prefix: `${wanted}${SEPARATOR}`, limit });
    const raws = await store.getMany(members.map((member) => accountKey(idOf(member))));
    return raws.flatMap((raw) => {
      const account = raw === undefined ? undefined : (JSON.parse(raw) as Account);
      const stored = account && fieldValue(account, 'email');
      return account && account.siteId === siteId && stored !== undefined && foldEmail(stored) === wanted ? [account] : [];
    });
  }

  return { entriesOf, prepare, sync, backfill, ensureIndexed, search, findByEmail };
}
