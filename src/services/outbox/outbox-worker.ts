import type { Logger } from 'pino';
import type { Store, WriteOp } from '../../store/port.ts';
import { retryDelayMs } from './backoff.ts';
import type { Outbox } from './outbox.ts';
import { dueKey, messageKey, type OutboxChannel, type OutboxMessage } from './outbox-model.ts';

/** Delivers one message; throws when it did not go out. `message.id` is the idempotency key to pass on. */
export type Deliverer = (message: OutboxMessage, payload: unknown) => Promise<void>;

export interface OutboxWorkerSettings {
  /** A claimed message is another worker's to take once this passes without an outcome (a crash, a hang). */
  leaseSeconds: number;
  /** Attempts before a message is `failed`. */
  maxAttempts: number;
  retryBaseSeconds: number;
  retryMaxSeconds: number;
  /** Deliveries in flight at once, per process. */
  concurrency: number;
  /** How often the queue is looked at when nothing wakes the worker. */
  pollMs: number;
  /** How long a message waits for its cause (`onlyIf`) to be written before it is cancelled. */
  holdSeconds: number;
}

/**
 * Delivers the outbox. Any number of processes may run one: each message is
 * taken by one worker at a time (claimDue moves it to the end of a lease),
 * delivered with its id as the idempotency key, and its outcome written only
 * while the record is still the one this attempt wrote (compare-and-set). A
 * worker that dies mid-delivery leaves the message due at the lease's end,
 * so another (or the restarted one) delivers it again: at least once, and a
 * repeat carries the same id so the receiver can recognise it.
 */
export function createOutboxWorker(deps: {
  store: Store;
  outbox: Outbox;
  deliverers: Partial<Record<OutboxChannel, Deliverer>>;
  settings: OutboxWorkerSettings;
  logger: Logger;
}) {
  const { store, outbox, settings, logger } = deps;
  const leaseMs = settings.leaseSeconds * 1000;
  // A delivery must end before its lease does, or a second worker would start the same one.
  const deadlineMs = Math.max(1000, leaseMs - 2000);
  const inFlight = new Set<Promise<void>>();
  let running = false;
  let loop: Promise<void> | undefined;
  let wakeUp: (() => void) | undefined;
  let lastTrim = 0;
  const wake = () => wakeUp?.();

  const retention = outbox.retentionSeconds;

  async function settle(message: OutboxMessage, raw: string, next: OutboxMessage, due: number | undefined): Promise<boolean> {
    const final = next.state !== 'pending';
    const ops: WriteOp[] = [
      { op: 'set', key: messageKey(message.id), value: JSON.stringify(next), ...(final ? { ttlSeconds: retention } : {}) },
      due === undefined ? { op: 'indexRemove', key: dueKey, member: message.id } : { op: 'indexAdd', key: dueKey, member: message.id, score: due },
    ];
    return store.writeAll(ops, { onlyIf: { key: messageKey(message.id), equals: raw } });
  }

  async function withDeadline(run: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no outcome within ${deadlineMs} ms`)), deadlineMs);
    });
    try {
      await Promise.race([run, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function attempt(id: string): Promise<void> {
    const raw = await store.get(messageKey(id));
    const message = raw === undefined ? undefined : (JSON.parse(raw) as OutboxMessage);
    if (message?.state !== 'pending') {
      await store.writeAll([{ op: 'indexRemove', key: dueKey, member: id }]);
      return;
    }
    if (message.change) await outbox.applyChange(message.change);
    if (message.notAfter && Date.parse(message.notAfter) < Date.now()) {
      await settle(message, raw!, { ...message, state: 'cancelled', lastError: 'not delivered within its lifetime' }, undefined);
      return;
    }
    if (message.onlyIf && (await store.get(message.onlyIf.key)) !== message.onlyIf.equals) {
      const waiting = Date.now() - Date.parse(message.createdAt) < settings.holdSeconds * 1000;
      if (waiting) await settle(message, raw!, message, Date.now() + 500);
      else await settle(message, raw!, { ...message, state: 'cancelled', lastError: 'its cause is gone (not written, undone or replaced)' }, undefined);
      return;
    }
    const attempting: OutboxMessage = { ...message, attempts: message.attempts + 1, lastAttemptAt: new Date().toISOString() };
    const attemptingRaw = JSON.stringify(attempting);
    if (!(await store.writeAll([{ op: 'set', key: messageKey(id), value: attemptingRaw }], { onlyIf: { key: messageKey(id), equals: raw! } }))) return;
    const deliverer = deps.deliverers[message.channel];
    try {
      if (!deliverer) throw new Error(`no deliverer for ${message.channel} in this process`);
      await withDeadline(deliverer(attempting, outbox.open(attempting)));
    } catch (error) {
      const lastError = ((error as Error).message || String(error)).slice(0, 300);
      const exhausted = attempting.attempts >= settings.maxAttempts;
      const due = exhausted
        ? undefined
        : Date.now() + retryDelayMs(attempting.attempts, { baseMs: settings.retryBaseSeconds * 1000, maxMs: settings.retryMaxSeconds * 1000 });
      const next: OutboxMessage = exhausted
        ? { ...attempting, state: 'failed', lastError, nextAttemptAt: undefined }
        : { ...attempting, lastError, nextAttemptAt: new Date(due!).toISOString() };
      logger.warn(
        { outbox: id, channel: message.channel, kind: message.kind, attempts: attempting.attempts, err: error },
        exhausted ? 'outbox message failed' : 'outbox delivery failed; will retry',
      );
      await settle(attempting, attemptingRaw, next, due);
      return;
    }
    const sent: OutboxMessage = { ...attempting, state: 'sent', sentAt: new Date().toISOString(), nextAttemptAt: undefined };
    if (!(await settle(attempting, attemptingRaw, sent, undefined)))
      logger.info({ outbox: id }, 'outbox message delivered, but its record changed meanwhile (resent or re-claimed)');
  }

  function track(id: string): void {
    const run = attempt(id).catch((error: unknown) => logger.error({ outbox: id, err: error }, 'outbox attempt failed'));
    const tracked = run.finally(() => {
      inFlight.delete(tracked);
      wake();
    });
    inFlight.add(tracked);
  }

  /** Claims what is due and free slots allow; returns how many it started. */
  async function tick(): Promise<number> {
    const free = settings.concurrency - inFlight.size;
    if (free <= 0) return 0;
    const now = Date.now();
    const ids = await store.claimDue(dueKey, { upTo: now, setTo: now + leaseMs, limit: free });
    for (const id of ids) track(id);
    if (now - lastTrim > 3_600_000) {
      lastTrim = now;
      await outbox.trim();
    }
    return ids.length;
  }

  async function run(): Promise<void> {
    while (running) {
      let started = 0;
      try {
        started = await tick();
      } catch (error) {
        logger.warn({ err: error }, 'outbox: cannot read the queue; trying again');
      }
      if (started > 0 && inFlight.size < settings.concurrency) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, settings.pollMs);
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeUp = undefined;
    }
  }

  const unsubscribe = outbox.onEnqueued(wake);

  return {
    start(): void {
      if (running) return;
      running = true;
      loop = run();
    },
    /** Stops claiming; waits a little for deliveries in flight (an unfinished one is redelivered after its lease). */
    async stop(graceMs = 2000): Promise<void> {
      running = false;
      unsubscribe();
      wake();
      await loop;
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    },
    /** Until the queue holds nothing due now or soon (tests, the CLI). */
    async drain(timeoutMs = 10_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const due = await store.indexRange(dueKey, { max: Date.now() + 1000, limit: 1 });
        if (due.length === 0 && inFlight.size === 0) return;
        if (Date.now() > deadline) throw new Error('the outbox did not drain in time');
        wake();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

export type OutboxWorker = ReturnType<typeof createOutboxWorker>;
