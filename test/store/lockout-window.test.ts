import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { signInPolicySchema } from '../../src/config/sites.ts';
import { siteSchema } from '../../src/connectors.ts';
import { createLockout } from '../../src/services/lockout.ts';
import type { Site } from '../../src/services/sites.ts';
import { createThrottle } from '../../src/services/throttle.ts';
import type { Store } from '../../src/store/port.ts';
import { createRedisStore } from '../../src/store/redis/redis-store.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { type RunningRedis, startRedis } from '../support/redis-server.ts';

/**
 * The lockout's sliding window on every backend, with a clock the test
 * moves: no double burst at a window's edge, the previous window fading out,
 * and the counters of one name in one Redis Cluster slot.
 */
let redis: RunningRedis;
let cluster: RunningRedis;
beforeAll(async () => ([redis, cluster] = await Promise.all([startRedis(), startRedis({ cluster: true })])));
afterAll(() => Promise.all([redis?.stop(), cluster?.stop()]));

const backends: [string, () => Promise<Store>][] = [
  ['sqlite', async () => createSqliteStore({ path: ':memory:' })],
  [
    'redis standalone',
    async () => {
      const store = createRedisStore({ url: redis.url, keyPrefix: `lockout-${randomUUID()}:` });
      await store.connect();
      return store;
    },
  ],
  [
    'redis cluster',
    async () => {
      const store = createRedisStore({ cluster: [{ host: '127.0.0.1', port: cluster.port }], keyPrefix: `lockout-${randomUUID()}:` });
      await store.connect();
      return store;
    },
  ],
];

const WINDOW = 60;
const policy = signInPolicySchema.parse({ maxFailedAttempts: 5, failureWindowSeconds: WINDOW, maxAttemptsPerIp: 1000 });
const site = { config: siteSchema.parse({ id: 'DEMO', displayName: 'Demo', directory: { kind: 'local' }, signIn: policy }) } as Site;
const sites = { get: (id: string) => (id === 'DEMO' ? site : undefined) };
/** A moment `seconds` into some window (aligned to the epoch, as the counters are). */
const at = (window: number, seconds: number) => (1_000_000 + window) * WINDOW * 1000 + seconds * 1000;

for (const [name, open] of backends) {
  describe(`lockout sliding window: ${name}`, () => {
    let store: Store;
    let now = 0;
    beforeAll(async () => (store = await open()));
    afterAll(() => store?.close());
    const lockout = () => createLockout({ store, sites, now: () => now });
    const guess = async (username: string) => !(await lockout().passwordAttempt({ siteId: 'DEMO', username, ip: '192.0.2.1' })).refused;

    it('a burst at the end of one window and one at the start of the next are not both checked', async () => {
      now = at(0, 59);
      const end = await Promise.all(Array.from({ length: 5 }, () => guess('bob')));
      assert.deepEqual(end, [true, true, true, true, true]);
      now = at(1, 1);
      const start = await Promise.all(Array.from({ length: 5 }, () => guess('ｂob')));
      assert.deepEqual(start, [false, false, false, false, false], 'a fixed window would have let all five through');
    });

    it('counts parallel guesses before they are checked: of 40 at once, the limit passes', async () => {
      now = at(10, 30);
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => guess(['carol', 'Carol', 'ＣＡＲＯＬ', ' carol'][i % 4]!)));
      assert.equal(results.filter(Boolean).length, 5);
    });

    it('the previous window fades out: the next try comes back gradually, and all of them a window later', async () => {
      now = at(20, 0);
      for (let i = 0; i < 5; i += 1) assert.ok(await guess('dave'));
      now = at(20, 59);
      assert.equal(await guess('dave'), false, 'locked for the rest of the window');
      // Six counted (five guesses, one refusal) in window 20: in window 21 the count is 6 × (1 − elapsed) + this window's.
      now = at(21, 5);
      assert.equal(await guess('dave'), false, '1 + 6 × 55/60 > 5');
      now = at(21, 50);
      assert.deepEqual(
        [await guess('dave'), await guess('dave'), await guess('dave'), await guess('dave')],
        [true, true, true, false],
        '2 + 6 × 10/60 = 3: three come back',
      );
      now = at(23, 0);
      for (let i = 0; i < 5; i += 1) assert.ok(await guess('dave'), `two windows later, guess ${i + 1} of 5`);
    });

    it("success clears the user name's count under every spelling; unlock and a directory outage too", async () => {
      now = at(30, 10);
      for (let i = 0; i < 4; i += 1) assert.ok(await guess('Erin'));
      const attempt = await lockout().passwordAttempt({ siteId: 'DEMO', username: 'ｅrin', ip: '192.0.2.1' });
      assert.equal(attempt.refused, false);
      if (!attempt.refused) assert.equal(await attempt.succeeded('erin'), true);
      for (let i = 0; i < 5; i += 1) assert.ok(await guess('ERIN'), 'the count started again');
      assert.equal(await guess('erin'), false);
      await lockout().unlockAccount({ id: 'erin-account', siteId: 'DEMO', username: 'Erin' });
      assert.ok(await guess('ｅｒｉｎ'), 'unlocked');
      const outage = await lockout().passwordAttempt({ siteId: 'DEMO', username: 'erin', ip: '192.0.2.1' });
      if (!outage.refused) await outage.notCounted();
      for (let i = 0; i < 4; i += 1) assert.ok(await guess('erin'), 'the outage was given back');
      assert.equal(await guess('erin'), false);
    });

    it("after the bind the account's counter counts: a locked account is refused under another name", async () => {
      now = at(40, 0);
      for (let i = 0; i < 5; i += 1) assert.ok(await guess('frank'));
      const viaAlias = await lockout().passwordAttempt({ siteId: 'DEMO', username: 'frank@example.test', ip: '192.0.2.1' });
      assert.equal(viaAlias.refused, false, 'another name has its own count before the bind');
      if (!viaAlias.refused) assert.equal(await viaAlias.succeeded('Frank'), false, 'the account it bound to is locked');
    });

    it('gives an event back to the window it was counted in, even after the edge', async () => {
      const throttle = createThrottle({ store, now: () => now });
      now = at(70, 59);
      const counted = await throttle.take('ivan', WINDOW);
      assert.equal(counted.count, 1);
      now = at(71, 30);
      await counted.giveBack();
      assert.equal(await throttle.count('ivan', WINDOW), 0, 'not −1 in the new window and ½ carried from the old');
      assert.equal(await throttle.hit('ivan', WINDOW), 1);
    });

    it('keeps every counter of a name in one hash tag (one Redis Cluster slot)', async () => {
      const throttle = createThrottle({ store, now: () => now });
      now = at(50, 30);
      await throttle.hit('grace', WINDOW);
      now = at(51, 30);
      assert.equal(await throttle.hit('grace', WINDOW), 1.5);
      assert.equal(await throttle.count('grace', WINDOW), 1.5);
      await throttle.reset('grace', WINDOW);
      assert.equal(await throttle.count('grace', WINDOW), 0);
    });

    it('second-factor checks: counted before they are made, cleared by a success and by an admin unlock', async () => {
      now = at(60, 0);
      const mfa = site.config.mfa;
      const check = async (outcome: 'ok' | 'failed' | 'not_counted') => {
        const attempt = await lockout().secondFactor.attempt('acct-1', mfa);
        if (!attempt.refused) await attempt.settle(outcome);
        return !attempt.refused;
      };
      // Counted before the check: of parallel checks, only the limit is made.
      const parallel = await Promise.all(Array.from({ length: 3 * mfa.maxFailedVerifications }, () => check('failed')));
      assert.equal(parallel.filter(Boolean).length, mfa.maxFailedVerifications);
      assert.equal(await lockout().secondFactor.blocked('acct-1', mfa), true);
      assert.equal(await check('ok'), false, 'refused even when it would have been right');
      await lockout().unlockAccount({ id: 'acct-1', siteId: 'DEMO', username: 'henry' });
      assert.equal(await lockout().secondFactor.blocked('acct-1', mfa), false);
      // An unreachable factor service gives the try back; a success clears the count.
      for (let i = 0; i < 3 * mfa.maxFailedVerifications; i += 1) assert.ok(await check('not_counted'));
      for (let i = 0; i < mfa.maxFailedVerifications - 1; i += 1) assert.ok(await check('failed'));
      assert.ok(await check('ok'));
      for (let i = 0; i < mfa.maxFailedVerifications; i += 1) assert.ok(await check('failed'), 'the success cleared the count');
      assert.equal(await check('failed'), false);
    });
  });
}
