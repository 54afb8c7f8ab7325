import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createMailer, type Mailer, type OutgoingMail } from '../../src/services/mail/mailer.ts';
import { createOutbox, type Outbox } from '../../src/services/outbox/outbox.ts';
import type { OutboxMessage } from '../../src/services/outbox/outbox-model.ts';
import { createOutboxWorker, type OutboxWorkerSettings } from '../../src/services/outbox/outbox-worker.ts';
import type { Store } from '../../src/store/port.ts';
import { createRedisStore } from '../../src/store/redis/redis-store.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { freePort } from '../support/free-port.ts';
import { type RunningRedis, startRedis } from '../support/redis-server.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';

const SECRET = 'outbox-test-secret-0123456789-abcdefghijkl';
const viewsDir = fileURLToPath(new URL('../../views', import.meta.url));
const logger = pino({ level: 'silent' });
const quick: OutboxWorkerSettings = { leaseSeconds: 30, maxAttempts: 3, retryBaseSeconds: 0.1, retryMaxSeconds: 1, concurrency: 4, pollMs: 50, holdSeconds: 1 };
const mail = (to: string): OutgoingMail => ({
  to,
  template: 'password-changed',
  data: { name: 'N', username: 'n', site: 'DEMO', when: '2026-12-06 10:00 UTC' },
});

async function until<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const stateIs = (outbox: Outbox, id: string, state: OutboxMessage['state']) => async () => {
  const message = await outbox.get(id);
  return message?.state === state ? message : undefined;
};

let smtp: TestSmtpServer;
let redis: RunningRedis;
let dir: string;
let refusedPort: number;
beforeAll(async () => {
  [smtp, redis] = await Promise.all([startSmtpServer(), startRedis()]);
  dir = mkdtempSync(join(tmpdir(), 'admit-outbox-'));
  refusedPort = await freePort(); // nothing listens: every connection is refused at once
});
afterAll(async () => {
  await Promise.all([smtp?.stop(), redis?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const mailerTo = (transport: string, timeoutSeconds = 5): Mailer =>
  createMailer({ settings: { from: 'admit <no-reply@admit.test>', transport, timeoutSeconds }, viewsDir, publicUrl: 'https://id.example.com', logger });

const backends: [string, () => Promise<{ open(): Promise<Store>; close(): Promise<void> }>][] = [
  [
    'sqlite file',
    async () => {
      const path = join(dir, `${randomUUID()}.db`);
      const opened: Store[] = [];
      return {
        open: async () => {
          const store = createSqliteStore({ path });
          opened.push(store);
          return store;
        },
        close: async () => {
          await Promise.all(opened.map((store) => store.close()));
        },
      };
    },
  ],
  [
    'redis',
    async () => {
      const keyPrefix = `outbox-${randomUUID()}:`;
      const opened: Store[] = [];
      return {
        open: async () => {
          const store = createRedisStore({ url: redis.url, keyPrefix });
          await store.connect();
          opened.push(store);
          return store;
        },
        close: async () => {
          await Promise.all(opened.map((store) => store.close()));
        },
      };
    },
  ],
];

for (const [name, backend] of backends) {
  describe(`outbox on ${name}`, () => {
    it('delivers through a real SMTP server with its id as the Message-ID; the record says sent', async () => {
      const stores = await backend();
      const store = await stores.open();
      const outbox = createOutbox({ store, masterSecret: SECRET, settings: { retentionDays: 1 } });
      const mailer = mailerTo(smtp.url);
      const worker = createOutboxWorker({
        store,
        outbox,
        logger,
        settings: quick,
        deliverers: { email: (message, payload) => mailer.deliver(payload as OutgoingMail, message.id) },
      });
      worker.start();
      try {
        const to = `${randomUUID()}@example.com`;
        const [message] = await outbox.enqueue([{ channel: 'email', to, kind: 'password-changed', siteId: 'DEMO', payload: mail(to) }]);
        assert.doesNotMatch(JSON.stringify(await outbox.get(message!.id)), /Your password was changed|password-changed\.text/, 'the content is sealed');
        const received = await smtp.waitFor((m) => m.to.includes(to));
        assert.equal(received.messageId, `<${message!.id}@id.example.com>`);
        const sent = await until('sent', stateIs(outbox, message!.id, 'sent'));
        assert.equal(sent.attempts, 1);
        assert.ok(sent.sentAt);
        const page = await outbox.list({ siteIds: ['DEMO'], limit: 10 });
        assert.equal(page.messages[0]?.id, message!.id);
      } finally {
        await worker.stop();
        await stores.close();
      }
    });

    it('retries a refusing SMTP server with growing, jittered waits, then marks it failed with the last error; resend is a new message', async () => {
      const stores = await backend();
      const store = await stores.open();
      const outbox = createOutbox({ store, masterSecret: SECRET, settings: { retentionDays: 1 } });
      const refusing = mailerTo(`smtp://127.0.0.1:${refusedPort}`);
      const good = mailerTo(smtp.url);
      const attempts: number[] = [];
      let working = false;
      const worker = createOutboxWorker({
        store,
        outbox,
        logger,
        settings: quick,
        deliverers: {
          email: (message, payload) => {
            attempts.push(Date.now());
            return (working ? good : refusing).deliver(payload as OutgoingMail, message.id);
          },
        },
      });
      worker.start();
      try {
        const to = `${randomUUID()}@example.com`;
        const [message] = await outbox.enqueue([{ channel: 'email', to, kind: 'password-changed', payload: mail(to) }]);
        const failed = await until('failed', stateIs(outbox, message!.id, 'failed'));
        assert.equal(failed.attempts, 3);
        assert.match(failed.lastError ?? '', /ECONNREFUSED/);
        assert.equal(attempts.length, 3);
        // Waits of 50–100 ms, then 100–200 ms (retryBaseSeconds 0.1, doubling, equal jitter).
        assert.ok(attempts[1]! - attempts[0]! >= 45, `first wait ${attempts[1]! - attempts[0]!} ms`);
        assert.ok(attempts[2]! - attempts[1]! >= 95, `second wait ${attempts[2]! - attempts[1]!} ms`);
        working = true;
        const copy = await outbox.resend(message!.id);
        assert.ok(typeof copy === 'object' && copy.id !== message!.id);
        const received = await smtp.waitFor((m) => m.to.includes(to));
        assert.equal(received.messageId, `<${copy.id}@id.example.com>`);
        await until('copy sent', stateIs(outbox, copy.id, 'sent'));
        assert.equal((await outbox.get(message!.id))?.state, 'failed', 'the original stays as it was');
      } finally {
        await worker.stop();
        await stores.close();
      }
    });

    it('three workers on their own connections deliver each of 60 messages once', async () => {
      const stores = await backend();
      const mailer = mailerTo(smtp.url);
      const workers = await Promise.all(
        [0, 1, 2].map(async () => {
          const store = await stores.open();
          const outbox = createOutbox({ store, masterSecret: SECRET, settings: { retentionDays: 1 } });
          return {
            outbox,
            worker: createOutboxWorker({
              store,
              outbox,
              logger,
              settings: quick,
              deliverers: { email: (message, payload) => mailer.deliver(payload as OutgoingMail, message.id) },
            }),
          };
        }),
      );
      try {
        const batch = randomUUID();
        const addresses = Array.from({ length: 60 }, (_, i) => `p${i}-${batch}@example.com`);
        await workers[0]!.outbox.enqueue(addresses.map((to) => ({ channel: 'email' as const, to, kind: 'password-changed', payload: mail(to) })));
        for (const { worker } of workers) worker.start();
        await until('60 emails', async () => (smtp.received.filter((m) => m.to[0]?.includes(batch)).length >= 60 ? true : undefined), 15_000);
        await sleep(300);
        const mine = smtp.received.filter((m) => m.to[0]?.includes(batch));
        assert.equal(mine.length, 60, 'no message went out twice');
        assert.equal(new Set(mine.map((m) => m.messageId)).size, 60);
      } finally {
        await Promise.all(workers.map(({ worker }) => worker.stop()));
        await stores.close();
      }
    });

    it('a worker that dies mid-delivery (a mute SMTP server) loses the message to another after the lease; the repeat has the same Message-ID', async () => {
      const stores = await backend();
      const [storeA, storeB] = [await stores.open(), await stores.open()];
      const outboxA = createOutbox({ store: storeA, masterSecret: SECRET, settings: { retentionDays: 1 } });
      const outboxB = createOutbox({ store: storeB, masterSecret: SECRET, settings: { retentionDays: 1 } });
      const mute = mailerTo(`smtp://127.0.0.1:${smtp.silentPort}`, 4);
      const good = mailerTo(smtp.url);
      const lease: OutboxWorkerSettings = { ...quick, leaseSeconds: 3 };
      const a = createOutboxWorker({
        store: storeA,
        outbox: outboxA,
        logger,
        settings: lease,
        deliverers: { email: (message, payload) => mute.deliver(payload as OutgoingMail, message.id) },
      });
      const b = createOutboxWorker({
        store: storeB,
        outbox: outboxB,
        logger,
        settings: lease,
        deliverers: { email: (message, payload) => good.deliver(payload as OutgoingMail, message.id) },
      });
      try {
        const to = `${randomUUID()}@example.com`;
        a.start();
        const [message] = await outboxA.enqueue([{ channel: 'email', to, kind: 'password-changed', payload: mail(to) }]);
        const claimed = await until('claimed by A', async () => ((await outboxA.get(message!.id))?.attempts === 1 ? outboxA.get(message!.id) : undefined));
        // A dies: it claims nothing more and its connection is gone, so its attempt can write no outcome.
        await a.stop(0);
        await storeA.close();
        b.start();
        const received = await smtp.waitFor((m) => m.to.includes(to), 8000);
        const waited = Date.now() - Date.parse(claimed!.lastAttemptAt!);
        assert.ok(waited >= 2500, `B waited for A's 3 s lease (${waited} ms after A's claim)`);
        assert.equal(received.messageId, `<${message!.id}@id.example.com>`);
        const sent = await until('sent', stateIs(outboxB, message!.id, 'sent'));
        assert.equal(sent.attempts, 2);
        assert.equal((await outboxB.get(message!.id))?.state, 'sent');
      } finally {
        await b.stop();
        await stores.close();
      }
    });

    it('a message waits for its cause (onlyIf): delivered once it is written, cancelled when it never is; a code past its lifetime is dropped', async () => {
      const stores = await backend();
      const store = await stores.open();
      const outbox = createOutbox({ store, masterSecret: SECRET, settings: { retentionDays: 1 } });
      const mailer = mailerTo(smtp.url);
      const worker = createOutboxWorker({
        store,
        outbox,
        logger,
        settings: quick,
        deliverers: { email: (message, payload) => mailer.deliver(payload as OutgoingMail, message.id) },
      });
      worker.start();
      try {
        const cause = `decision:{${randomUUID()}}`;
        const [kept, orphan] = [`${randomUUID()}@example.com`, `${randomUUID()}@example.com`];
        const [written] = await outbox.enqueue([
          { channel: 'email', to: kept, kind: 'request-approved', payload: mail(kept), onlyIf: { key: cause, equals: 'approved' } },
        ]);
        const [never] = await outbox.enqueue([
          { channel: 'email', to: orphan, kind: 'request-approved', payload: mail(orphan), onlyIf: { key: `${cause}:x`, equals: 'approved' } },
        ]);
        const [late] = await outbox.enqueue([
          { channel: 'email', to: orphan, kind: 'email-code', payload: mail(orphan), notAfter: new Date(Date.now() - 1).toISOString() },
        ]);
        await sleep(300);
        assert.equal((await outbox.get(written!.id))?.state, 'pending', 'not sent before its cause');
        await store.set(cause, 'approved');
        outbox.wake();
        await smtp.waitFor((m) => m.to.includes(kept));
        const cancelled = await until('cancelled', stateIs(outbox, never!.id, 'cancelled'));
        assert.match(cancelled.lastError ?? '', /cause/);
        assert.equal((await until('late dropped', stateIs(outbox, late!.id, 'cancelled'))).attempts, 0);
        assert.ok(!smtp.received.some((m) => m.to.includes(orphan)));
      } finally {
        await worker.stop();
        await stores.close();
      }
    });
  });
}

describe('outbox console listing', () => {
  it('pages newest first with a cursor, 500 messages of one write in order, none twice, none skipped', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    const outbox = createOutbox({ store, masterSecret: SECRET, settings: { retentionDays: 1 } });
    const inputs = Array.from({ length: 500 }, (_, i) => ({
      channel: 'email' as const,
      to: `p${i}@example.com`,
      kind: 'invitation',
      siteId: i % 2 ? 'A' : 'B',
      payload: {},
    }));
    await outbox.enqueue(inputs);
    const seen: string[] = [];
    let before: string | undefined;
    do {
      const page = await outbox.list({ siteIds: 'all', limit: 45, before });
      seen.push(...page.messages.map((message) => message.to));
      before = page.next;
    } while (before);
    assert.deepEqual(seen, inputs.map((input) => input.to).reverse());
    const siteA = await outbox.list({ siteIds: ['A'], limit: 1000 });
    assert.equal(siteA.messages.length, 250);
    assert.ok(siteA.messages.every((message) => message.siteId === 'A'));
    await store.close();
  });
});
