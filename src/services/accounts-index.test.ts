import assert from 'node:assert/strict';
import pino from 'pino';
import { describe, it } from 'vitest';
import { adminAdd } from '../cli/admin-role.ts';
import type { Config } from '../config/schema.ts';
import { type Store, storeKey } from '../store/port.ts';
import { createRequestMemo } from '../store/request-memo.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { type Account, createAccountService } from './accounts.ts';
import { createAuditLog } from './audit/audit-log.ts';
import { CursorError } from './paging.ts';

const identity = (username: string, extra: Partial<{ name: string; email: string }> = {}) => ({
  externalId: `ext-${username}`,
  username,
  emailVerified: false,
  groups: [],
  ...extra,
});

/** Every page of a search, forward, by its `next` cursor. */
async function everyPage(
  accounts: ReturnType<typeof createAccountService>,
  sites: string[],
  options: Parameters<ReturnType<typeof createAccountService>['search']>[1],
) {
  const seen: Account[][] = [];
  let after: string | undefined;
  do {
    const page = await accounts.search(sites, { ...options, after });
    seen.push(page.accounts);
    after = page.next;
    assert.ok(seen.length < 100, 'the paging ends');
  } while (after !== undefined);
  return seen;
}

describe('account search by index', () => {
  it('finds by user name, email and name prefix, in folded order, per status, and only in the sites asked', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    const accounts = createAccountService({ store });
    const ann = await accounts.linkOrCreate('DEMO', 'local', identity('Ann', { name: 'Zoë Ann', email: 'Ann@Example.com' }));
    const anna = await accounts.linkOrCreate('DEMO', 'local', identity('anna', { name: 'Anna Berg', email: 'anna@example.org' }));
    const bob = await accounts.linkOrCreate('DEMO', 'local', identity('bob', { name: 'Bob Annan', email: 'bob@example.com' }));
    await accounts.linkOrCreate('OTHER', 'local', identity('annette', { email: 'annette@example.com' }));
    const names = (page: { accounts: Account[] }) => page.accounts.map((account) => account.username);

    assert.deepEqual(names(await accounts.search(['DEMO'], { query: 'ANN', field: 'username', limit: 10 })), ['Ann', 'anna']);
    assert.deepEqual(names(await accounts.search(['DEMO'], { query: 'ann@', field: 'email', limit: 10 })), ['Ann']);
    assert.deepEqual(names(await accounts.search(['DEMO'], { query: 'bob  ann', field: 'name', limit: 10 })), ['bob'], 'white space folded');
    assert.deepEqual(names(await accounts.search(['DEMO'], { query: 'zoe', field: 'name', limit: 10 })), [], 'a prefix, not accents folded away');
    assert.deepEqual(names(await accounts.search(['DEMO'], { query: 'zoë', field: 'name', limit: 10 })), ['Ann']);
    // Any field: Ann matches by user name and email, once.
    assert.deepEqual(names(await accounts.search(['DEMO'], { query: 'ann', limit: 10 })), ['Ann', 'anna']);
    assert.deepEqual(names(await accounts.search(['DEMO', 'OTHER'], { query: 'ann', limit: 10 })), ['Ann', 'anna', 'annette']);
    assert.deepEqual(names(await accounts.search(['DEMO'], { limit: 10 })), ['Ann', 'anna', 'bob']);
    // Any field also finds the email's domain.
    assert.deepEqual(names(await accounts.search(['DEMO'], { query: 'example.c', limit: 10 })).sort(), ['Ann', 'bob']);
    assert.deepEqual(names(await accounts.search(['DEMO'], { query: '@Example.org', limit: 10 })), ['anna']);
    assert.deepEqual(
      names(await accounts.search(['DEMO'], { query: 'example.c', field: 'email', limit: 10 })),
      [],
      'an email field search is of the whole address',
    );
    assert.deepEqual(names(await accounts.search(['DEMO'], { query: '@', field: 'name', limit: 10 })), []);

    await accounts.setStatus(anna.id, 'disabled');
    assert.deepEqual(names(await accounts.search(['DEMO'], { status: 'disabled', limit: 10 })), ['anna']);
    assert.deepEqual(names(await accounts.search(['DEMO'], { status: 'active', limit: 10 })), ['Ann', 'bob']);
    assert.deepEqual(names(await accounts.search(['DEMO'], { query: 'ann', status: 'active', limit: 10 })), ['Ann']);

    // A changed value leaves the old one behind in no index.
    await accounts.save({ ...bob, username: 'robert', email: 'robert@example.com' });
    assert.deepEqual(names(await accounts.search(['DEMO'], { query: 'bob', field: 'username', limit: 10 })), []);
    assert.deepEqual(names(await accounts.search(['DEMO'], { query: 'rob', limit: 10 })), ['robert']);
    assert.deepEqual((await accounts.findByEmail('DEMO', 'BOB@example.com')).length, 0);
    assert.deepEqual(
      (await accounts.findByEmail('DEMO', ' Robert@Example.com ')).map((account) => account.id),
      [bob.id],
    );
    assert.deepEqual(
      (await accounts.findByEmail('DEMO', 'ann@example.com')).map((account) => account.id),
      [ann.id],
    );
    assert.deepEqual(await accounts.findByEmail('OTHER', 'ann@example.com'), []);
    const stale = await store.lexRange(storeKey('account-lex', 'DEMO', 'username:all'), { limit: 10 });
    assert.equal(stale.length, 3, 'one username entry per account, none stale');
    await assert.rejects(accounts.search(['DEMO'], { after: 'not a cursor', limit: 10 }), CursorError);
    await assert.rejects(accounts.search(['DEMO'], { before: Buffer.from('no separator').toString('base64url'), limit: 10 }), CursorError);
    await store.close();
  });

  it('pages through 120 accounts forward and back, each once', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    const accounts = createAccountService({ store });
    for (let i = 0; i < 120; i += 1) await accounts.linkOrCreate('DEMO', 'local', identity(`user-${String(i).padStart(3, '0')}`));
    const pages = await everyPage(accounts, ['DEMO'], { limit: 50 });
    assert.deepEqual(
      pages.map((page) => page.length),
      [50, 50, 20],
    );
    const all = pages.flat().map((account) => account.username);
    assert.equal(new Set(all).size, 120);
    assert.deepEqual(all, [...all].sort());
    // Back from the last page: the pages before it, in order.
    const second = await accounts.search(['DEMO'], { limit: 50, after: (await accounts.search(['DEMO'], { limit: 50 })).next });
    const third = await accounts.search(['DEMO'], { limit: 50, after: second.next });
    assert.equal(third.next, undefined);
    const back = await accounts.search(['DEMO'], { limit: 50, before: third.prev });
    assert.deepEqual(
      back.accounts.map((account) => account.username),
      second.accounts.map((account) => account.username),
    );
    const first = await accounts.search(['DEMO'], { limit: 50, before: back.prev });
    assert.deepEqual(
      first.accounts.map((account) => account.username),
      all.slice(0, 50),
    );
    assert.equal(first.prev, undefined, 'the first page has none before it');
    await store.close();
  });

  it('saves racing on one account converge: the indexes end as the last record says, and stale hits are skipped', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    const memo = createRequestMemo();
    const accounts = createAccountService({ store: memo.wrap(store) });
    const carol = await accounts.linkOrCreate('DEMO', 'local', identity('carol', { email: 'carol@example.com' }));
    // Two requests, each with its own memo, rename the same account at once, 20 times over.
    for (let round = 0; round < 20; round += 1) {
      await Promise.all(['a', 'b'].map((who) => memo.run(() => accounts.save({ ...carol, email: `${who}${round}@example.com`, name: `${who} ${round}` }))));
      const record = (await accounts.find(carol.id))!;
      const emails = await store.lexRange(storeKey('account-lex', 'DEMO', 'email:all'), { limit: 10 });
      assert.deepEqual(emails, [`${record.email}\u0001${carol.id}`], `round ${round}`);
    }
    // An entry left by a process killed between its steps (or pointing at nothing) is never shown.
    await store.writeAll([
      { op: 'lexAdd', key: storeKey('account-lex', 'DEMO', 'email:all'), member: `ghost@example.com\u0001${carol.id}` },
      { op: 'lexAdd', key: storeKey('account-lex', 'DEMO', 'email:all'), member: 'ghost@example.com\u0001nobody' },
    ]);
    assert.deepEqual(await accounts.findByEmail('DEMO', 'ghost@example.com'), []);
    assert.deepEqual((await accounts.search(['DEMO'], { query: 'ghost', field: 'email', limit: 5 })).accounts, []);
    await store.close();
  });

  it('backfills accounts stored before the indexes, page by page, resuming from its marker', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    // As an earlier admit stored them: the record, the name key, the site set; no index.
    for (let i = 0; i < 450; i += 1) {
      const account: Account = {
        id: `old-${i}`,
        siteId: 'OLD',
        directoryKind: 'local',
        externalId: `x${i}`,
        username: `old${String(i).padStart(3, '0')}`,
        email: `old${i}@example.com`,
        emailVerified: false,
        groups: [],
        status: 'active',
        createdAt: '2025-01-01T00:00:00Z',
      };
      await store.set(storeKey('account', account.id), JSON.stringify(account));
      await store.addToSet(storeKey('site-accounts', 'OLD'), account.id);
    }
    // A backfill interrupted after its first page left a cursor.
    const first = await store.setScan(storeKey('site-accounts', 'OLD'), { count: 200 });
    await store.set(storeKey('account-lex', 'OLD', 'backfill'), JSON.stringify({ cursor: first.cursor }));
    const accounts = createAccountService({ store });
    assert.equal((await accounts.findByEmail('OLD', 'old449@example.com'))[0]?.id, 'old-449', 'indexed on first use');
    assert.equal(await store.get(storeKey('account-lex', 'OLD', 'backfill')), 'done');
    // The resumed walk did not redo the first page (its accounts are found once the next save or a full walk indexes them).
    const indexed = (await everyPage(accounts, ['OLD'], { limit: 100 })).flat().length;
    assert.equal(indexed, 450 - first.members.length);
    await store.delete(storeKey('account-lex', 'OLD', 'backfill'));
    await accounts.backfillIndexes('OLD');
    assert.equal((await everyPage(accounts, ['OLD'], { limit: 100 })).flat().length, 450);
    await store.close();
  });
});

/** A store that counts what it reads: keys asked and members answered. */
function counting(store: Store) {
  const counts = { read: 0 };
  const wrapped: Store = {
    ...store,
    get: (key) => {
      counts.read += 1;
      return store.get(key);
    },
    getMany: (keys) => {
      counts.read += keys.length;
      return store.getMany(keys);
    },
    setMembers: async (key) => {
      const members = await store.setMembers(key);
      counts.read += members.length;
      return members;
    },
    lexRange: async (key, options) => {
      const members = await store.lexRange(key, options);
      counts.read += members.length;
      return members;
    },
    indexRange: async (key, options) => {
      const entries = await store.indexRange(key, options);
      counts.read += entries.length;
      return entries;
    },
    setScan: async (key, options) => {
      const page = await store.setScan(key, options);
      counts.read += page.members.length;
      return page;
    },
    listRange: async (key, start, count) => {
      const items = await store.listRange(key, start, count);
      counts.read += items.length;
      return items;
    },
  };
  return { store: wrapped, counts };
}

describe('nothing reads a whole site (issue 16)', () => {
  it('with 5,000 accounts in a site, search, findByEmail and admin add read a bounded number of keys', async () => {
    const sqlite = createSqliteStore({ path: ':memory:' });
    const { store, counts } = counting(sqlite);
    const accounts = createAccountService({ store });
    // Seeded as an earlier admit stored them (record, user-name key, site set), then indexed by the one-off
    // backfill walk: much cheaper than 5,000 sign-ins on a loaded machine, and the walk itself is not counted.
    for (let i = 0; i < 5000; i += 1) {
      const username = `person${String(i).padStart(4, '0')}`;
      const account: Account = {
        id: `id-${i}`,
        siteId: 'BIG',
        directoryKind: 'local',
        externalId: `x${i}`,
        username,
        email: `p${i}@example.com`,
        name: `Person ${i}`,
        emailVerified: false,
        groups: [],
        status: 'active',
        createdAt: '2025-01-01T00:00:00Z',
      };
      await sqlite.set(storeKey('account', account.id), JSON.stringify(account));
      await sqlite.set(storeKey('account-name', `BIG:${username}`), account.id);
      await sqlite.addToSet(storeKey('site-accounts', 'BIG'), account.id);
    }
    await accounts.backfillIndexes('BIG');
    assert.equal((await everyPage(accounts, ['BIG'], { limit: 500 })).flat().length, 5000, 'every account indexed');

    const measure = async (run: () => Promise<unknown>) => {
      counts.read = 0;
      await run();
      return counts.read;
    };
    const searched = await measure(() => accounts.search(['BIG'], { query: 'person4', limit: 50 }));
    assert.ok(searched <= 400, `a search page read ${searched} keys`);
    const listed = await measure(() => accounts.search(['BIG'], { limit: 50 }));
    assert.ok(listed <= 200, `a list page read ${listed} keys`);
    const byEmail = await measure(async () => assert.equal((await accounts.findByEmail('BIG', 'p4321@example.com')).length, 1));
    assert.ok(byEmail <= 10, `findByEmail read ${byEmail} keys`);
    const config = { sites: [{ id: 'BIG', displayName: 'Big', directory: { kind: 'local' } }] } as unknown as Config;
    const added = await measure(() =>
      adminAdd.run(
        { site: 'BIG', username: 'person0042' },
        { config, store, masterSecret: 'x'.repeat(32), audit: createAuditLog({ logger: pino({ level: 'silent' }), store }) },
      ),
    );
    assert.ok(added <= 40, `admin add read ${added} keys`);
    assert.deepEqual((await accounts.findByUsername('BIG', 'person0042'))?.adminSites, ['BIG']);
    await sqlite.close();
  });
});
