import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type Store, storeKey, type WriteOp } from '../../src/store/port.ts';

export type MakeStore = () => Promise<{ store: Store; cleanup(): Promise<void> }>;

/** Sleeps past a 1-second TTL with margin for a loaded machine. */
const PAST_ONE_SECOND = 1500;

/**
 * The behaviour every Store backend must share. Each test uses its own keys
 * (a random namespace), so tests never see each other's data.
 */
export function storeContract(name: string, make: MakeStore): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => ({ store, cleanup } = await make()));
    afterAll(() => cleanup());
    const fresh = (suffix?: string) => storeKey(`test:${randomUUID()}`, 'id', suffix);

    it('get / set / delete', async () => {
      const key = fresh();
      assert.equal(await store.get(key), undefined);
      await store.set(key, 'one');
      assert.equal(await store.get(key), 'one');
      await store.set(key, 'two');
      assert.equal(await store.get(key), 'two');
      await store.delete(key);
      assert.equal(await store.get(key), undefined);
      await store.delete(key); // deleting an absent key is fine
      await store.delete();
    });

    it('delete removes several keys, across hash tags, sets included', async () => {
      const [a, b, c] = [fresh(), fresh(), fresh()] as [string, string, string];
      await Promise.all([store.set(a, '1'), store.set(b, '2'), store.addToSet(c, 'm')]);
      await store.delete(a, b, c);
      assert.deepEqual(await store.getMany([a, b]), [undefined, undefined]);
      assert.deepEqual(await store.setMembers(c), []);
    });

    it('getMany keeps the order asked and reports missing keys', async () => {
      const a = fresh('a');
      const b = a.replace(/a$/, 'b'); // same hash tag
      const other = fresh();
      await Promise.all([store.set(a, 'A'), store.set(b, 'B'), store.set(other, 'O')]);
      assert.deepEqual(await store.getMany([b, fresh(), a, other, b]), ['B', undefined, 'A', 'O', 'B']);
      assert.deepEqual(await store.getMany([]), []);
    });

    it('setIfAbsent: one winner among 50 parallel callers', async () => {
      const key = fresh();
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.setIfAbsent(key, `caller-${i}`, { ttlSeconds: 60 })));
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal(await store.get(key), `caller-${results.indexOf(true)}`);
      assert.equal(await store.setIfAbsent(key, 'late'), false);
    });

    it('take: one winner among 50 parallel callers, then absent', async () => {
      const key = fresh();
      await store.set(key, 'token');
      const results = await Promise.all(Array.from({ length: 50 }, () => store.take(key)));
      assert.deepEqual(
        results.filter((r) => r !== undefined),
        ['token'],
      );
      assert.equal(await store.get(key), undefined);
      assert.equal(await store.take(key), undefined);
    });

    it('compareAndDelete: one winner among 50 parallel callers holding the value', async () => {
      const key = fresh();
      await store.set(key, 'code-1', { ttlSeconds: 60 });
      const results = await Promise.all(Array.from({ length: 50 }, () => store.compareAndDelete(key, 'code-1')));
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal(await store.get(key), undefined);
      assert.equal(await store.compareAndDelete(key, 'code-1'), false, 'absent');
    });

    it('compareAndDelete leaves a different value alone: a record written since it was read survives', async () => {
      const key = fresh();
      await store.set(key, 'code-1');
      await store.set(key, 'code-2');
      assert.equal(await store.compareAndDelete(key, 'code-1'), false);
      assert.equal(await store.compareAndDelete(key, 'code'), false, 'a prefix is not the value');
      assert.equal(await store.get(key), 'code-2');
      assert.equal(await store.compareAndDelete(key, 'code-2'), true);
      assert.equal(await store.get(key), undefined);
    });

    it('increment counts atomically: 50 parallel calls give 1..50', async () => {
      const key = fresh();
      const counts = await Promise.all(Array.from({ length: 50 }, () => store.increment(key, 60)));
      assert.deepEqual(
        [...counts].sort((x, y) => x - y),
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
      assert.equal(await store.increment(key, 60), 51);
    });

    it('increment by a step, negative to give one back; get reads the count', async () => {
      const key = fresh();
      assert.equal(await store.increment(key, 60, 3), 3);
      assert.equal(await store.increment(key, 60, -1), 2);
      assert.equal(await store.get(key), '2');
      assert.equal(await store.increment(fresh(), 60, -1), -1);
    });

    it('sets: add, idempotent add, remove, members', async () => {
      const key = fresh();
      assert.deepEqual(await store.setMembers(key), []);
      await Promise.all(['b', 'a', 'c', 'a'].map((m) => store.addToSet(key, m, { ttlSeconds: 60 })));
      assert.deepEqual((await store.setMembers(key)).sort(), ['a', 'b', 'c']);
      await store.removeFromSet(key, 'b');
      await store.removeFromSet(key, 'absent');
      assert.deepEqual((await store.setMembers(key)).sort(), ['a', 'c']);
      await store.removeFromSet(key, 'a');
      await store.removeFromSet(key, 'c');
      assert.deepEqual(await store.setMembers(key), []);
    });

    it('lists: append in order, read windows, length, absent list', async () => {
      const key = fresh();
      assert.equal(await store.listLength(key), 0);
      assert.deepEqual(await store.listRange(key, 0, 10), []);
      for (const [index, value] of ['a', 'b', 'c', 'd', 'é🙂'].entries()) assert.equal(await store.appendToList(key, value), index + 1);
      assert.equal(await store.listLength(key), 5);
      assert.deepEqual(await store.listRange(key, 0, 10), ['a', 'b', 'c', 'd', 'é🙂']);
      assert.deepEqual(await store.listRange(key, 1, 2), ['b', 'c']);
      assert.deepEqual(await store.listRange(key, 4, 1), ['é🙂']);
      assert.deepEqual(await store.listRange(key, 5, 3), []);
      assert.deepEqual(await store.listRange(key, 0, 0), []);
      await assert.rejects(store.listRange(key, -1, 2), RangeError);
      await store.delete(key);
      assert.equal(await store.listLength(key), 0);
      assert.equal(await store.appendToList(key, 'again'), 1);
    });

    it('lists: 50 parallel appends all land, each at its own position', async () => {
      const key = fresh();
      const lengths = await Promise.all(Array.from({ length: 50 }, (_, i) => store.appendToList(key, `v${i}`)));
      assert.deepEqual(
        [...lengths].sort((x, y) => x - y),
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
      const items = await store.listRange(key, 0, 100);
      assert.deepEqual([...items].sort(), Array.from({ length: 50 }, (_, i) => `v${i}`).sort());
    });

    it('keys with braces and unicode are distinct and round-trip', async () => {
      const base = `test:${randomUUID()}`;
      const keys = [`${base}:{a}`, `${base}:{a}}`, `${base}:{}`, `${base}:}{`, `${base}:{`, `${base}:ключ🔑`, `${base}:{ä}:x`];
      await Promise.all(keys.map((key, i) => store.set(key, `v${i}-ü✓`)));
      assert.deepEqual(
        await store.getMany(keys),
        keys.map((_, i) => `v${i}-ü✓`),
      );
      const setKey = `${base}:set:{ключ}🔑`;
      await store.addToSet(setKey, 'mémbre🙂');
      assert.deepEqual(await store.setMembers(setKey), ['mémbre🙂']);
      await store.delete(...keys, setKey);
      assert.deepEqual(
        await store.getMany(keys),
        keys.map(() => undefined),
      );
    });

    it('large values (1 MB) round-trip', async () => {
      const key = fresh();
      const value = `${'x'.repeat(1024 * 1024 - 2)}é`;
      await store.set(key, value);
      assert.equal(await store.get(key), value);
      assert.equal(await store.take(key), value);
    });

    it('a ttl that is not positive is a RangeError, not an outage', async () => {
      const key = fresh();
      await assert.rejects(store.set(key, 'v', { ttlSeconds: 0 }), RangeError);
      await assert.rejects(store.setIfAbsent(key, 'v', { ttlSeconds: -1 }), RangeError);
      await assert.rejects(store.increment(key, Number.NaN), RangeError);
      await assert.rejects(store.addToSet(key, 'm', { ttlSeconds: 0 }), RangeError);
      assert.equal(await store.get(key), undefined);
    });

    it('writeAll applies every operation of one hash tag; readers see all or none', async () => {
      const base = `test:${randomUUID()}`;
      const key = (suffix: string) => storeKey(base, 'batch', suffix);
      await store.set(key('old'), 'x');
      await store.addToSet(key('set'), 'gone');
      const ops: WriteOp[] = [
        ...Array.from({ length: 500 }, (_, i) => ({ op: 'set' as const, key: key(`k${i}`), value: `v${i}` })),
        { op: 'set', key: key('short'), value: 's', ttlSeconds: 60 },
        { op: 'delete', key: key('old') },
        { op: 'addToSet', key: key('set'), member: 'a' },
        { op: 'removeFromSet', key: key('set'), member: 'gone' },
        { op: 'indexAdd', key: key('index'), member: 'm1', score: 2 },
        { op: 'indexAdd', key: key('index'), member: 'm2', score: 1 },
      ];
      const keys = Array.from({ length: 500 }, (_, i) => key(`k${i}`));
      // Reads racing the write: each sees none of the 500 values or all of them.
      const seen: number[] = [];
      const reads = Array.from({ length: 20 }, async () => seen.push((await store.getMany(keys)).filter((v) => v !== undefined).length));
      assert.equal((await Promise.all([store.writeAll(ops), ...reads]))[0], true);
      assert.ok(
        seen.every((n) => n === 0 || n === 500),
        `partial reads: ${seen.join(',')}`,
      );
      assert.deepEqual(await store.getMany([key('k0'), key('k499'), key('short'), key('old')]), ['v0', 'v499', 's', undefined]);
      assert.deepEqual(await store.setMembers(key('set')), ['a']);
      assert.deepEqual(await store.indexRange(key('index'), { limit: 10 }), [
        { member: 'm2', score: 1 },
        { member: 'm1', score: 2 },
      ]);
      assert.equal(await store.writeAll([]), true);
    });

    it('writeAll refuses keys of different hash tags and bad ttls, writing nothing', async () => {
      const namespace = `test:${randomUUID()}`;
      const [a, b] = [storeKey(namespace, 'a'), storeKey(namespace, 'b')];
      await assert.rejects(
        store.writeAll([
          { op: 'set', key: a, value: '1' },
          { op: 'set', key: b, value: '2' },
        ]),
        RangeError,
      );
      await assert.rejects(store.writeAll([{ op: 'set', key: a, value: '1' }], { onlyIf: { key: b, equals: undefined } }), RangeError);
      await assert.rejects(
        store.writeAll([
          { op: 'set', key: a, value: '1' },
          { op: 'set', key: `${a}:x`, value: '2', ttlSeconds: 0 },
        ]),
        RangeError,
      );
      assert.deepEqual(await store.getMany([a, b]), [undefined, undefined]);
    });

    it('writeAll onlyIf: applied only while the key holds the value (or is absent); one of 30 parallel writers wins', async () => {
      const guardKey = fresh();
      const other = `${guardKey}:other`;
      assert.equal(await store.writeAll([{ op: 'set', key: other, value: 'no' }], { onlyIf: { key: guardKey, equals: 'v1' } }), false);
      assert.equal(await store.get(other), undefined, 'a failed guard writes nothing');
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          store.writeAll(
            [
              { op: 'set', key: guardKey, value: `v-${i}` },
              { op: 'set', key: other, value: `by-${i}` },
            ],
            { onlyIf: { key: guardKey, equals: undefined } },
          ),
        ),
      );
      assert.equal(results.filter(Boolean).length, 1);
      const winner = results.indexOf(true);
      assert.deepEqual(await store.getMany([guardKey, other]), [`v-${winner}`, `by-${winner}`]);
      // Compare-and-set: of writers holding the same old value, one wins.
      const swaps = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          store.writeAll([{ op: 'set', key: guardKey, value: `w-${i}` }], { onlyIf: { key: guardKey, equals: `v-${winner}` } }),
        ),
      );
      assert.equal(swaps.filter(Boolean).length, 1);
      assert.equal(await store.get(guardKey), `w-${swaps.indexOf(true)}`);
    });

    it('indexes: ordered by score then member, bounds inclusive, reverse, exact large scores, trim, delete', async () => {
      const key = fresh();
      const big = 1_765_000_000_000_000; // epoch ms x 1000: still exact in a double
      await store.writeAll([
        { op: 'indexAdd', key, member: 'b', score: big + 1 },
        { op: 'indexAdd', key, member: 'a', score: big + 1 },
        { op: 'indexAdd', key, member: 'c', score: big + 2 },
        { op: 'indexAdd', key, member: 'z', score: big },
        { op: 'indexAdd', key, member: 'é🙂', score: -1.5 },
      ]);
      const members = (entries: { member: string }[]) => entries.map((entry) => entry.member);
      assert.deepEqual(await store.indexRange(key, { limit: 10 }), [
        { member: 'é🙂', score: -1.5 },
        { member: 'z', score: big },
        { member: 'a', score: big + 1 },
        { member: 'b', score: big + 1 },
        { member: 'c', score: big + 2 },
      ]);
      assert.deepEqual(members(await store.indexRange(key, { limit: 10, reverse: true })), ['c', 'b', 'a', 'z', 'é🙂']);
      assert.deepEqual(members(await store.indexRange(key, { min: big + 1, max: big + 1, limit: 10 })), ['a', 'b']);
      assert.deepEqual(members(await store.indexRange(key, { max: big + 1, limit: 2, reverse: true })), ['b', 'a']);
      assert.deepEqual(await store.indexRange(key, { limit: 0 }), []);
      await store.writeAll([
        { op: 'indexAdd', key, member: 'z', score: big + 3 },
        { op: 'indexRemove', key, member: 'c' },
        { op: 'indexTrim', key, maxScore: big + 1 },
      ]);
      assert.deepEqual(await store.indexRange(key, { limit: 10 }), [{ member: 'z', score: big + 3 }]);
      await store.delete(key);
      assert.deepEqual(await store.indexRange(key, { limit: 10 }), []);
    });

    it('indexCount: the whole index or a score range, bounds inclusive, without reading; absent counts 0', async () => {
      const key = fresh();
      const big = 1_765_000_000_000_000;
      await store.writeAll([
        ...Array.from({ length: 30 }, (_, i) => ({ op: 'indexAdd' as const, key, member: `m-${i}`, score: big + i })),
        { op: 'indexAdd', key, member: 'low', score: -2.5 },
      ]);
      assert.equal(await store.indexCount(key), 31);
      assert.equal(await store.indexCount(key, {}), 31);
      assert.equal(await store.indexCount(key, { max: big + 9 }), 11, 'below a cutoff: the overdue count');
      assert.equal(await store.indexCount(key, { min: big + 10 }), 20);
      assert.equal(await store.indexCount(key, { min: big + 5, max: big + 5 }), 1, 'both bounds inclusive');
      assert.equal(await store.indexCount(key, { min: big + 5, max: big + 4 }), 0, 'an empty range');
      assert.equal(await store.indexCount(key, { max: -2.5 }), 1);
      await store.writeAll([
        { op: 'indexAdd', key, member: 'm-0', score: big + 100 },
        { op: 'indexRemove', key, member: 'low' },
        { op: 'indexTrim', key, maxScore: big + 2 },
      ]);
      assert.equal(await store.indexCount(key), 28, 'a moved member counts once; removed and trimmed ones not at all');
      assert.equal(await store.indexCount(fresh('absent')), 0);
      await store.delete(key);
      assert.equal(await store.indexCount(key), 0);
    });

    it('claimDue: of 10 parallel claimers each due member goes to one; the rest wait; a lease ends at its score', async () => {
      const key = fresh();
      await store.writeAll([
        ...Array.from({ length: 40 }, (_, i) => ({ op: 'indexAdd' as const, key, member: `due-${i}`, score: 1000 + i })),
        { op: 'indexAdd', key, member: 'later', score: 5000 },
      ]);
      const claims = await Promise.all(Array.from({ length: 10 }, () => store.claimDue(key, { upTo: 2000, setTo: 9000, limit: 6 })));
      const all = claims.flat();
      assert.equal(all.length, 40);
      assert.equal(new Set(all).size, 40, 'no member went to two claimers');
      assert.ok(!all.includes('later'));
      assert.deepEqual(await store.claimDue(key, { upTo: 2000, setTo: 9000, limit: 10 }), [], 'taken members are not due');
      assert.deepEqual(await store.claimDue(key, { upTo: 6000, setTo: 9500, limit: 10 }), ['later']);
      // Lowest first: the lease ends at 9000 for the 40, before 'later' (9500).
      // Which members (the lowest scores, then members), not the order they are reported in.
      assert.deepEqual((await store.claimDue(key, { upTo: 9000, setTo: 10_000, limit: 3 })).sort(), ['due-0', 'due-1', 'due-10']);
      assert.deepEqual(
        (await store.indexRange(key, { min: 10_000, limit: 10 })).map((entry) => entry.member),
        ['due-0', 'due-1', 'due-10'],
      );
    });

    it('lexRange: byte order, prefix, after/before cursors, limit, reverse, unicode, removal', async () => {
      const key = fresh('lex');
      const other = fresh('lex'); // another index whose members share prefixes: never seen
      const members = ['b', 'a', 'ab', 'abc', 'abd', 'ac', 'A', 'é', 'éa', '\uffff', '🙂', '🙂x', 'a b', 'a\u0001x', 'b\u0001z'];
      await store.writeAll(members.map((member) => ({ op: 'lexAdd' as const, key, member })));
      await store.writeAll(['a', 'aa', 'ab0', 'éz', '🙂y', 'zz'].map((member) => ({ op: 'lexAdd' as const, key: other, member })));
      await store.writeAll([{ op: 'lexAdd', key, member: 'ab' }]); // already there: still once
      // UTF-8 byte order: U+FFFF (EF BF BF) before 🙂 (F0 …), unlike UTF-16 comparison.
      const all = ['A', 'a', 'a\u0001x', 'a b', 'ab', 'abc', 'abd', 'ac', 'b', 'b\u0001z', 'é', 'éa', '\uffff', '🙂', '🙂x'];
      assert.deepEqual(await store.lexRange(key, { limit: 100 }), all);
      assert.deepEqual(await store.lexRange(key, { limit: 100, reverse: true }), [...all].reverse());
      assert.deepEqual(await store.lexRange(key, { prefix: 'ab', limit: 100 }), ['ab', 'abc', 'abd']);
      assert.deepEqual(await store.lexRange(key, { prefix: 'a', limit: 3 }), ['a', 'a\u0001x', 'a b']);
      assert.deepEqual(await store.lexRange(key, { prefix: 'a', after: 'a b', limit: 3 }), ['ab', 'abc', 'abd']);
      assert.deepEqual(await store.lexRange(key, { prefix: 'a', after: 'abd', limit: 3 }), ['ac']);
      assert.deepEqual(await store.lexRange(key, { prefix: 'a', after: 'ac', limit: 3 }), []);
      assert.deepEqual(
        await store.lexRange(key, { prefix: 'ab', after: 'a', limit: 10 }),
        ['ab', 'abc', 'abd'],
        'a cursor before the prefix does not widen it',
      );
      assert.deepEqual(await store.lexRange(key, { prefix: 'ab', after: 'zz', limit: 10 }), [], 'a cursor past the prefix');
      assert.deepEqual(await store.lexRange(key, { prefix: 'é', limit: 10 }), ['é', 'éa']);
      assert.deepEqual(await store.lexRange(key, { prefix: '🙂', limit: 10 }), ['🙂', '🙂x']);
      assert.deepEqual(await store.lexRange(key, { prefix: '\uffff', limit: 10 }), ['\uffff']);
      assert.deepEqual(await store.lexRange(key, { prefix: 'zz', limit: 10 }), []);
      assert.deepEqual(await store.lexRange(key, { prefix: '', limit: 2 }), ['A', 'a'], 'an empty prefix is every member');
      // Previous page: the members before a cursor, nearest first.
      assert.deepEqual(await store.lexRange(key, { prefix: 'a', before: 'abd', limit: 2, reverse: true }), ['abc', 'ab']);
      assert.deepEqual(await store.lexRange(key, { before: 'a', limit: 5, reverse: true }), ['A']);
      assert.deepEqual(await store.lexRange(key, { after: 'ab', before: 'ac', limit: 5 }), ['abc', 'abd']);
      assert.deepEqual(await store.lexRange(key, { after: 'ac', before: 'ab', limit: 5 }), [], 'crossed bounds are an empty range');
      assert.deepEqual(await store.lexRange(key, { limit: 0 }), []);
      // Paging by cursor sees each member once.
      const paged: string[] = [];
      for (let after: string | undefined; ; ) {
        const page = await store.lexRange(key, { after, limit: 4 });
        paged.push(...page);
        if (page.length < 4) break;
        after = page.at(-1);
      }
      assert.deepEqual(paged, all);
      await store.writeAll([
        { op: 'lexRemove', key, member: 'abc' },
        { op: 'lexRemove', key, member: 'absent' },
        { op: 'lexAdd', key, member: 'abz' },
      ]);
      assert.deepEqual(await store.lexRange(key, { prefix: 'ab', limit: 10 }), ['ab', 'abd', 'abz']);
      assert.deepEqual(await store.lexRange(other, { prefix: 'a', limit: 10 }), ['a', 'aa', 'ab0']);
      await assert.rejects(store.lexRange(key, { limit: -1 }), RangeError);
      await assert.rejects(store.lexRange(key, { prefix: 'a\u0000', limit: 1 }), RangeError);
      await assert.rejects(store.writeAll([{ op: 'lexAdd', key, member: 'x\u0000y' }]), RangeError);
      await store.delete(key);
      assert.deepEqual(await store.lexRange(key, { limit: 10 }), []);
      assert.equal((await store.lexRange(other, { limit: 10 })).length, 6, 'deleting one index leaves the other');
    });

    it('lexAdd goes in one writeAll with the record it indexes, under onlyIf', async () => {
      const record = fresh('record');
      const index = record.replace(/record$/, 'by-name'); // same hash tag
      assert.equal(
        await store.writeAll(
          [
            { op: 'set', key: record, value: 'v1' },
            { op: 'lexAdd', key: index, member: 'ann' },
          ],
          { onlyIf: { key: record, equals: undefined } },
        ),
        true,
      );
      assert.equal(
        await store.writeAll(
          [
            { op: 'lexRemove', key: index, member: 'ann' },
            { op: 'lexAdd', key: index, member: 'bob' },
          ],
          { onlyIf: { key: record, equals: 'stale' } },
        ),
        false,
      );
      assert.deepEqual(await store.lexRange(index, { limit: 10 }), ['ann']);
    });

    it('setScan walks a set in pages: every member at least once, other sets never', async () => {
      const key = fresh('scan');
      const other = fresh('scan-other');
      const members = Array.from({ length: 250 }, (_, i) => `m-${i}-${i % 7 ? 'x' : 'é🙂'}`);
      for (const member of members) await store.addToSet(key, member);
      await store.addToSet(other, 'm-0-é🙂');
      await store.addToSet(other, 'stranger');
      const seen = new Set<string>();
      let pages = 0;
      for (let cursor: string | undefined, first = true; first || cursor !== undefined; first = false) {
        const page = await store.setScan(key, { cursor, count: 40 });
        for (const member of page.members) seen.add(member);
        cursor = page.cursor;
        pages += 1;
        assert.ok(pages < 100, 'the walk ends');
      }
      assert.deepEqual([...seen].sort(), [...members].sort());
      assert.ok(pages > 1, 'more than one page');
      assert.deepEqual(await store.setScan(fresh('absent'), { count: 10 }), { members: [] });
    });

    it('ping answers', async () => {
      await store.ping();
    });

    // The only sleeping tests; they run side by side so the file waits ~1.5 s once.
    describe('expiry (ttl 1 s)', { concurrent: true }, () => {
      it('an expired key is absent to get, getMany and take', async () => {
        const [short, long] = [fresh(), fresh()];
        await store.set(short, 'v', { ttlSeconds: 1 });
        await store.set(long, 'w', { ttlSeconds: 60 });
        assert.equal(await store.get(short), 'v');
        await sleep(PAST_ONE_SECOND);
        assert.equal(await store.get(short), undefined);
        assert.deepEqual(await store.getMany([short, long]), [undefined, 'w']);
        assert.equal(await store.take(short), undefined);
        assert.equal(await store.compareAndDelete(short, 'v'), false, 'an expired value is not there to delete');
      });

      it('set without ttl over a key with ttl makes it persistent', async () => {
        const key = fresh();
        await store.set(key, 'v', { ttlSeconds: 1 });
        await store.set(key, 'w');
        await sleep(PAST_ONE_SECOND);
        assert.equal(await store.get(key), 'w');
      });

      it('setIfAbsent wins again once the previous value expired', async () => {
        const key = fresh();
        assert.equal(await store.setIfAbsent(key, 'first', { ttlSeconds: 1 }), true);
        assert.equal(await store.setIfAbsent(key, 'second', { ttlSeconds: 1 }), false);
        await sleep(PAST_ONE_SECOND);
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.setIfAbsent(key, `again-${i}`)));
        assert.equal(results.filter(Boolean).length, 1);
        assert.equal(await store.get(key), `again-${results.indexOf(true)}`);
      });

      it('increment uses a fixed window: later calls do not extend it', async () => {
        const key = fresh();
        assert.equal(await store.increment(key, 1), 1);
        await sleep(600);
        assert.equal(await store.increment(key, 1), 2); // inside the window; must not extend it
        await sleep(PAST_ONE_SECOND - 600);
        assert.equal(await store.increment(key, 1), 1); // 1.5 s after the first call: a new window
      });

      it('a set expires with its ttl, which only ever grows', async () => {
        const [short, grown, kept, persistent] = [fresh(), fresh(), fresh(), fresh()];
        await store.addToSet(short, 'a', { ttlSeconds: 1 });
        await store.addToSet(grown, 'a', { ttlSeconds: 1 });
        await store.addToSet(grown, 'b', { ttlSeconds: 60 }); // grows the set's ttl
        await store.addToSet(kept, 'a', { ttlSeconds: 60 });
        await store.addToSet(kept, 'b', { ttlSeconds: 1 }); // must not shorten it
        await store.addToSet(persistent, 'a', { ttlSeconds: 1 });
        await store.addToSet(persistent, 'b'); // no ttl: the set no longer expires
        await sleep(PAST_ONE_SECOND);
        assert.deepEqual(await store.setMembers(short), []);
        assert.deepEqual((await store.setMembers(grown)).sort(), ['a', 'b']);
        assert.deepEqual((await store.setMembers(kept)).sort(), ['a', 'b']);
        assert.deepEqual((await store.setMembers(persistent)).sort(), ['a', 'b']);
        await store.addToSet(short, 'new', { ttlSeconds: 60 }); // an expired set starts empty
        assert.deepEqual(await store.setMembers(short), ['new']);
      });

      it('indexExpireAt: a scored index ends at its moment, whole; a later add starts a new one; a past moment removes it now', async () => {
        const [ending, kept, past, absent] = [fresh(), fresh(), fresh(), fresh()];
        const soon = Date.now() + 1000;
        await store.writeAll([
          { op: 'indexAdd', key: ending, member: 'a', score: 1 },
          { op: 'indexAdd', key: ending, member: 'b', score: 2 },
          { op: 'indexExpireAt', key: ending, at: soon },
        ]);
        await store.writeAll([
          { op: 'indexAdd', key: kept, member: 'a', score: 1 },
          { op: 'indexExpireAt', key: kept, at: soon },
        ]);
        await store.writeAll([
          { op: 'indexAdd', key: kept, member: 'b', score: 2 },
          { op: 'indexExpireAt', key: kept, at: Date.now() + 60_000 },
        ]); // moved later
        await store.writeAll([
          { op: 'indexAdd', key: past, member: 'a', score: 1 },
          { op: 'indexExpireAt', key: past, at: Date.now() - 1000 },
        ]);
        await store.writeAll([{ op: 'indexExpireAt', key: absent, at: soon }]); // an absent index stays absent
        assert.deepEqual(await store.indexRange(past, { limit: 10 }), [], 'a moment already past');
        await store.writeAll([{ op: 'indexAdd', key: ending, member: 'c', score: 3 }]); // an add keeps the end
        assert.equal((await store.indexRange(ending, { limit: 10 })).length, 3);
        await assert.rejects(store.writeAll([{ op: 'indexExpireAt', key: ending, at: Number.NaN }]), RangeError);
        await sleep(PAST_ONE_SECOND);
        assert.deepEqual(await store.indexRange(ending, { limit: 10 }), []);
        assert.deepEqual(await store.claimDue(ending, { upTo: 10, setTo: 100, limit: 10 }), []);
        assert.equal(await store.indexCount(ending), 0, 'an ended index counts 0');
        assert.equal(await store.indexCount(past), 0);
        assert.deepEqual(
          (await store.indexRange(kept, { limit: 10 })).map((entry) => entry.member),
          ['a', 'b'],
        );
        await store.writeAll([{ op: 'indexAdd', key: ending, member: 'new', score: 5 }]); // an ended index starts empty, without an end
        await store.writeAll([{ op: 'indexAdd', key: absent, member: 'x', score: 5 }]);
        assert.deepEqual(await store.indexRange(ending, { limit: 10 }), [{ member: 'new', score: 5 }]);
        assert.deepEqual(await store.indexRange(absent, { limit: 10 }), [{ member: 'x', score: 5 }]);
      });
    });
  });
}
