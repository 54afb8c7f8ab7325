import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createAccountService } from '../../src/services/accounts.ts';
import { createRedisStore } from '../../src/store/redis/redis-store.ts';
import { createRequestMemo } from '../../src/store/request-memo.ts';
import { type RunningRedis, startRedis } from '../support/redis-server.ts';

/** The account indexes on Redis Cluster: every write of a site's indexes is one slot (no CROSSSLOT), and the search pages the same. */
describe('account indexes on Redis Cluster', () => {
  let cluster: RunningRedis;
  beforeAll(async () => (cluster = await startRedis({ cluster: true })));
  afterAll(() => cluster?.stop());

  it('indexes, searches, pages and converges racing saves without a cross-slot write', async () => {
    const store = createRedisStore({ cluster: [{ host: '127.0.0.1', port: cluster.port }], keyPrefix: `test-${randomUUID()}:` });
    await store.connect();
    const memo = createRequestMemo();
    const accounts = createAccountService({ store: memo.wrap(store) });
    for (let i = 0; i < 30; i += 1)
      await accounts.linkOrCreate('EAST', 'local', {
        externalId: `e${i}`,
        username: `user${String(i).padStart(2, '0')}`,
        email: `u${i}@east.test`,
        name: `User ${i}`,
        groups: [],
      });
    await accounts.linkOrCreate('WEST', 'local', { externalId: 'w', username: 'user-west', email: 'w@east.test', groups: [] });
    const first = await accounts.search(['EAST'], { limit: 20 });
    const second = await accounts.search(['EAST'], { limit: 20, after: first.next });
    assert.deepEqual([first.accounts.length, second.accounts.length, second.next], [20, 10, undefined]);
    assert.deepEqual((await accounts.search(['EAST', 'WEST'], { query: 'east.test', limit: 50 })).accounts.length, 31);
    assert.deepEqual(
      (await accounts.findByEmail('EAST', 'U7@east.test')).map((account) => account.username),
      ['user07'],
    );
    const target = (await accounts.findByUsername('EAST', 'user07'))!;
    await Promise.all(['a', 'b', 'c'].map((who) => memo.run(() => accounts.save({ ...target, email: `${who}@east.test` }))));
    const record = (await accounts.find(target.id))!;
    assert.deepEqual(
      (await accounts.search(['EAST'], { query: 'a@', field: 'email', limit: 5 })).accounts
        .map((a) => a.email)
        .concat(
          (await accounts.search(['EAST'], { query: 'b@', field: 'email', limit: 5 })).accounts.map((a) => a.email),
          (await accounts.search(['EAST'], { query: 'c@', field: 'email', limit: 5 })).accounts.map((a) => a.email),
        ),
      [record.email],
      'only the stored email is found',
    );
    assert.deepEqual(await accounts.findByEmail('EAST', 'u7@east.test'), []);
    await store.close();
  });
});
