import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterEach, beforeEach, describe, it } from 'vitest';
import { createOutbox, type Outbox } from '../../src/services/outbox/outbox.ts';
import { dueKey, messageKey, type OutboxMessage, pendingChangesKey } from '../../src/services/outbox/outbox-model.ts';
import { createOutboxWorker, type Deliverer, type OutboxWorkerSettings } from '../../src/services/outbox/outbox-worker.ts';
import type { Store } from '../../src/store/port.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';

/**
 * The outbox's less travelled paths, on a real (SQLite) store with
 * deliverers that fail in the ways real ones do: a record gone from under
 * the queue, a channel nobody delivers, a deliverer that rejects with a bare
 * string, an admin cancelling while a delivery is in flight, a change
 * half-applied by a crash, and what the console's resend and cancel refuse.
 */
const SECRET = 'outbox-edges-secret-0123456789-abcdefghij';
const logger = pino({ level: 'silent' });
const quick: OutboxWorkerSettings = {
  leaseSeconds: 30,
  maxAttempts: 2,
  retryBaseSeconds: 0.05,
  retryMaxSeconds: 0.1,
  concurrency: 2,
  pollMs: 30,
  holdSeconds: 1,
};

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

let store: Store;
let outbox: Outbox;
beforeEach(() => {
  store = createSqliteStore({ path: ':memory:' });
  outbox = createOutbox({ store, masterSecret: SECRET, settings: { retentionDays: 1 } });
});
afterEach(() => store.close());

const stateOf = (id: string, state: OutboxMessage['state']) => async () => {
  const message = await outbox.get(id);
  return message?.state === state ? message : undefined;
};
const email = (to: string, extra: Partial<Parameters<Outbox['enqueue']>[0][number]> = {}) => ({
  channel: 'email' as const,
  to,
  kind: 'password-changed',
  payload: { to },
  ...extra,
});

describe("outbox worker: failures that are not the receiver's", () => {
  it('a queued id whose record is gone is dropped from the queue without a delivery', async () => {
    const delivered: string[] = [];
    const [message] = await outbox.enqueue([email('gone@example.test')]);
    await store.delete(messageKey(message!.id)); // expired or removed by hand while still queued
    const worker = createOutboxWorker({ store, outbox, logger, settings: quick, deliverers: { email: async (m) => void delivered.push(m.id) } });
    worker.start();
    try {
      await worker.drain(3000);
      assert.deepEqual(await store.indexRange(dueKey, { limit: 10 }), []);
      assert.deepEqual(delivered, []);
    } finally {
      await worker.stop();
    }
  });

  it('a channel this process has no deliverer for fails after its attempts, saying so; a bare-string rejection is recorded as such', async () => {
    const [voice] = await outbox.enqueue([{ channel: 'voice', to: '+4479•••1234', kind: 'code', payload: { code: '123456' } }]);
    const [mail] = await outbox.enqueue([email('busy@example.test')]);
    const rejectsWithString: Deliverer = () => Promise.reject('421 busy, try later');
    const worker = createOutboxWorker({ store, outbox, logger, settings: quick, deliverers: { email: rejectsWithString } });
    worker.start();
    worker.start(); // a second start is harmless: one loop
    try {
      const failedVoice = await until('voice failed', stateOf(voice!.id, 'failed'));
      assert.equal(failedVoice.lastError, 'no deliverer for voice in this process');
      assert.equal(failedVoice.attempts, 2);
      const failedMail = await until('mail failed', stateOf(mail!.id, 'failed'));
      assert.equal(failedMail.lastError, '421 busy, try later');
      assert.equal(failedMail.nextAttemptAt, undefined);
    } finally {
      await worker.stop();
    }
  });

  it('an admin cancelling while the delivery is in flight: the message goes out, the record keeps the cancellation', async () => {
    let release!: () => void;
    const inFlight = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const deliveryStarted = new Promise<void>((resolve) => (started = resolve));
    const [message] = await outbox.enqueue([email('race@example.test')]);
    const worker = createOutboxWorker({
      store,
      outbox,
      logger,
      settings: quick,
      deliverers: {
        email: async () => {
          started();
          await inFlight;
        },
      },
    });
    worker.start();
    try {
      await deliveryStarted;
      assert.equal(await outbox.cancel(message!.id, 'cancelled by an admin'), true);
      release();
      await worker.drain(3000);
      const record = await outbox.get(message!.id);
      assert.equal(record?.state, 'cancelled');
      assert.equal(record?.lastError, 'cancelled by an admin');
    } finally {
      await worker.stop();
    }
  });

  it("an admin cancelling just as a worker takes the message: the worker's claim loses, nothing is delivered", async () => {
    const delivered: string[] = [];
    const [message] = await outbox.enqueue([email('taken@example.test')]);
    let cancelled = false;
    const racing: Store = {
      ...store,
      get: async (key) => {
        const value = await store.get(key);
        if (key === messageKey(message!.id) && !cancelled) {
          cancelled = true;
          assert.equal(await outbox.cancel(message!.id, 'cancelled by an admin'), true);
        }
        return value;
      },
    };
    const worker = createOutboxWorker({ store: racing, outbox, logger, settings: quick, deliverers: { email: async (m) => void delivered.push(m.id) } });
    worker.start();
    try {
      await worker.drain(3000);
      assert.deepEqual(delivered, []);
      const record = await outbox.get(message!.id);
      assert.equal(record?.state, 'cancelled');
      assert.equal(record?.attempts, 0);
    } finally {
      await worker.stop();
    }
  });

  it('drain gives up with a message when a delivery never ends', async () => {
    await outbox.enqueue([email('hang@example.test')]);
    const worker = createOutboxWorker({ store, outbox, logger, settings: quick, deliverers: { email: () => new Promise<void>(() => {}) } });
    worker.start();
    try {
      await assert.rejects(worker.drain(300), /the outbox did not drain in time/);
    } finally {
      await worker.stop(50);
    }
  });
});

describe('outbox: a change written with its messages', () => {
  it('applies create-only steps (with and without a lifetime) before the messages, and forgets the change', async () => {
    const [message] = await outbox.enqueue([email('invitee@example.test')], {
      change: [
        { op: 'setIfAbsent', key: 'invitation:{a}', value: 'first', ttlSeconds: 3600 },
        { op: 'setIfAbsent', key: 'invitation:{b}', value: 'forever' },
        { op: 'addToSet', key: 'invitations:{site}', member: 'a' },
      ],
    });
    assert.equal(await store.get('invitation:{a}'), 'first');
    assert.equal(await store.get('invitation:{b}'), 'forever');
    assert.deepEqual(await store.setMembers('invitations:{site}'), ['a']);
    assert.deepEqual(await store.setMembers(pendingChangesKey), []);
    assert.ok(message?.change, 'the message names its change');
    // The worker applying it again (as before any delivery) changes nothing and finds it gone.
    await outbox.applyChange(message.change);
    assert.equal(await store.get('invitation:{a}'), 'first');
    const delivered: string[] = [];
    const worker = createOutboxWorker({ store, outbox, logger, settings: quick, deliverers: { email: async (m) => void delivered.push(m.to) } });
    worker.start();
    try {
      await until('sent', stateOf(message.id, 'sent'));
      assert.deepEqual(delivered, ['invitee@example.test']);
    } finally {
      await worker.stop();
    }
    // An empty change is no change at all.
    const [plain] = await outbox.enqueue([email('x@example.test')], { change: [] });
    assert.equal(plain?.change, undefined);
  });

  it('a process that died between writing and applying: the next start completes the change, create-only', async () => {
    let crash = true;
    const crashing: Store = {
      ...store,
      setIfAbsent: async (...args) => {
        if (crash) throw new Error('killed');
        return store.setIfAbsent(...args);
      },
    };
    const dying = createOutbox({ store: crashing, masterSecret: SECRET, settings: { retentionDays: 1 } });
    await store.set('invitation:{taken}', 'someone else first');
    await assert.rejects(
      dying.enqueue([email('half@example.test')], {
        change: [
          { op: 'setIfAbsent', key: 'invitation:{new}', value: 'mine' },
          { op: 'setIfAbsent', key: 'invitation:{taken}', value: 'mine' },
        ],
      }),
      /killed/,
    );
    assert.equal(await store.get('invitation:{new}'), undefined);
    assert.equal((await store.setMembers(pendingChangesKey)).length, 1, 'the change waits in the outbox');
    crash = false;
    assert.equal(await outbox.applyPendingChanges(), 1);
    assert.equal(await store.get('invitation:{new}'), 'mine');
    assert.equal(await store.get('invitation:{taken}'), 'someone else first', 'a create-only step never overwrites');
    assert.deepEqual(await store.setMembers(pendingChangesKey), []);
    assert.equal(await outbox.applyPendingChanges(), 0);
  });
});

describe('outbox console: resend and cancel refuse what they must', () => {
  it('resend: an unknown id, a message still pending, a cancelled one, one past its lifetime; a sent one is resent as a new message', async () => {
    assert.equal(await outbox.resend('00000000-0000-4000-8000-000000000000'), 'not_found');
    assert.equal(await outbox.get('00000000-0000-4000-8000-000000000000'), undefined);
    const [pending] = await outbox.enqueue([email('p@example.test')]);
    assert.equal(await outbox.resend(pending!.id), 'pending');
    const [cancelled] = await outbox.enqueue([email('c@example.test')]);
    await outbox.cancel(cancelled!.id, 'its cause is gone');
    assert.equal(await outbox.resend(cancelled!.id), 'cancelled');

    const [stale, fresh] = await outbox.enqueue([
      email('stale@example.test', { kind: 'code', notAfter: new Date(Date.now() + 400).toISOString() }),
      email('fresh@example.test', { siteId: 'DEMO' }),
    ]);
    const worker = createOutboxWorker({ store, outbox, logger, settings: quick, deliverers: { email: async () => {} } });
    worker.start();
    try {
      await until('sent', stateOf(stale!.id, 'sent'));
      await until('sent', stateOf(fresh!.id, 'sent'));
    } finally {
      await worker.stop();
    }
    await sleep(450);
    assert.equal(await outbox.resend(stale!.id), 'cancelled', 'a code past its lifetime is not sent again');
    const copy = await outbox.resend(fresh!.id);
    assert.ok(typeof copy === 'object');
    assert.notEqual(copy.id, fresh!.id);
    assert.equal(copy.state, 'pending');
    assert.equal(copy.siteId, 'DEMO');
    assert.deepEqual(outbox.open(copy), { to: 'fresh@example.test' });
    const listed = await outbox.list({ siteIds: ['DEMO'], limit: 10 });
    assert.deepEqual(
      listed.messages.map((m) => m.id),
      [copy.id, fresh!.id],
    );
  });

  it('cancel: an unknown id and a message already sent are left as they are', async () => {
    assert.equal(await outbox.cancel('00000000-0000-4000-8000-000000000001', 'x'), false);
    const [message] = await outbox.enqueue([email('s@example.test')]);
    const worker = createOutboxWorker({ store, outbox, logger, settings: quick, deliverers: { email: async () => {} } });
    worker.start();
    try {
      await until('sent', stateOf(message!.id, 'sent'));
    } finally {
      await worker.stop();
    }
    assert.equal(await outbox.cancel(message!.id, 'too late'), false);
    assert.equal((await outbox.get(message!.id))?.state, 'sent');
  });
});
