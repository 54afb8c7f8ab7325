import assert from 'node:assert/strict';
import { InvalidCredentialsError } from 'ldapts';
import { describe, it } from 'vitest';
import type { LdapSession } from './connection.ts';
import { createServicePool } from './pool.ts';

/** A stand-in session: `live` until closed or killed. */
function fakeSession(id: number) {
  let live = true;
  const session = {
    id,
    get live() {
      return live;
    },
    kill: () => (live = false),
    close: async () => {
      live = false;
    },
  };
  return session as unknown as LdapSession & { id: number; kill(): void };
}

function pool(size: number, open?: () => Promise<LdapSession>) {
  const opened: ReturnType<typeof fakeSession>[] = [];
  const created = createServicePool({
    size,
    acquireTimeoutMs: 200,
    open:
      open ??
      (async () => {
        const session = fakeSession(opened.length + 1);
        opened.push(session);
        return session;
      }),
  });
  return { pool: created, opened };
}

const idOf = (session: LdapSession) => (session as unknown as { id: number }).id;
const hold = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('service connection pool', () => {
  it('reuses an idle session instead of opening another', async () => {
    const { pool: services, opened } = pool(4);
    assert.equal(await services.use(async (session) => idOf(session)), 1);
    assert.equal(await services.use(async (session) => idOf(session)), 1);
    assert.equal(opened.length, 1);
  });

  it('opens at most `size` sessions; further callers wait for one', async () => {
    const { pool: services, opened } = pool(2);
    const ids = await Promise.all(
      Array.from({ length: 6 }, () =>
        services.use(async (session) => {
          await hold(10);
          return idOf(session);
        }),
      ),
    );
    assert.equal(opened.length, 2);
    assert.deepEqual([...new Set(ids)].sort(), [1, 2]);
  });

  it('a caller that waits too long gets an error rather than a hang', async () => {
    const { pool: services } = pool(1);
    const busy = services.use(() => hold(400));
    await assert.rejects(
      services.use(async () => 'never'),
      /stayed busy for 200 ms/,
    );
    await busy;
  });

  it('drops a session that lost its server, keeps one that only got a "no"', async () => {
    const { pool: services, opened } = pool(1);
    await assert.rejects(
      services.use(async () => {
        throw new InvalidCredentialsError();
      }),
    );
    assert.equal(services.stats.idle, 1);
    await assert.rejects(
      services.use(async () => {
        throw new Error('socket hang up');
      }),
    );
    assert.deepEqual(services.stats, { open: 0, idle: 0, waiting: 0 });
    opened[0]!.kill();
    assert.equal(await services.use(async (session) => idOf(session)), 2);
  });

  it('skips idle sessions whose socket closed meanwhile', async () => {
    const { pool: services, opened } = pool(2);
    await services.use(async () => undefined);
    opened[0]!.kill();
    assert.equal(await services.use(async (session) => idOf(session)), 2);
    assert.equal(services.stats.open, 1);
  });

  it('waiting callers learn at once when opening fails, not at their timeout', async () => {
    let attempts = 0;
    const { pool: services } = pool(1, async () => {
      attempts += 1;
      await hold(5);
      throw new Error('connect ECONNREFUSED');
    });
    const started = Date.now();
    const outcomes = await Promise.allSettled(Array.from({ length: 4 }, () => services.use(async () => 'x')));
    assert.ok(outcomes.every((outcome) => outcome.status === 'rejected' && /ECONNREFUSED/.test(String(outcome.reason))));
    assert.ok(Date.now() - started < 150);
    assert.equal(attempts, 4);
  });

  it('close() ends idle sessions and refuses new work', async () => {
    const { pool: services, opened } = pool(2);
    await services.use(async () => undefined);
    await services.close();
    assert.equal(opened[0]!.live, false);
    await assert.rejects(
      services.use(async () => undefined),
      /closed/,
    );
  });
});
