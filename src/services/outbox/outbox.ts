import { randomInt, randomUUID } from 'node:crypto';
import { createSecretBox } from '../../lib/secret-box.ts';
import type { Store, WriteOp } from '../../store/port.ts';
import {
  type ChangeStep,
  changeKey,
  dueKey,
  listKey,
  messageKey,
  type OutboxInput,
  type OutboxMessage,
  pendingChangesKey,
  siteListKey,
} from './outbox-model.ts';

export interface OutboxSettings {
  /** How long a delivered, failed or cancelled message stays listed. */
  retentionDays: number;
}

export interface OutboxPage {
  messages: OutboxMessage[];
  /** Pass as `before` for the next (older) page; absent on the last. */
  next?: string;
}

const DAY_SECONDS = 86_400;
const CHANGE_CHUNK = 200;

/**
 * The one way a side effect leaves admit (DESIGN.md, "One owner per
 * guarantee"): an email, a text or call, a back-channel logout notice.
 *
 * A message is written before anything tries to deliver it, and with what
 * causes it, in one of two ways:
 *
 * - `enqueue(messages, { change })`: the cause is a set of records to create
 *   (the invitations of a CSV import). The messages and the change are one
 *   atomic writeAll in the outbox's slot; the change is then applied to its
 *   own keys, step by create-only step, and forgotten. A process killed in
 *   between leaves the change in the outbox: the next start (and any worker
 *   before delivering one of its messages) applies it again, which is safe
 *   because every step is create-only. So the records exist with all their
 *   messages or neither does.
 * - `enqueue(messages)` with `onlyIf` on each: the cause is a write the
 *   caller makes right after (a decision written once, a new link). The
 *   worker delivers only while the cause stands; a message whose cause never
 *   got written (a crash, a lost race) is cancelled, not sent.
 *
 * Delivery, retries and leases are the worker's (outbox-worker.ts).
 */
export function createOutbox(deps: { store: Store; masterSecret: string; settings: OutboxSettings; siteIds?: () => string[] }) {
  const { store } = deps;
  const box = createSecretBox(deps.masterSecret, 'outbox');
  const retentionSeconds = deps.settings.retentionDays * DAY_SECONDS;
  const listeners = new Set<() => void>();
  // Creation time in µs, strictly increasing in this process: every message its own place in the
  // list, in the order written, even 500 in one ms (across processes, equal values are ordered by id).
  let lastOrder = 0;
  const nextOrder = () => (lastOrder = Math.max(lastOrder + 1, Date.now() * 1000 + randomInt(1000)));

  const parse = (raw: string | undefined) => (raw === undefined ? undefined : (JSON.parse(raw) as OutboxMessage));

  function messageOps(message: OutboxMessage, dueAt: number): WriteOp[] {
    const ops: WriteOp[] = [
      { op: 'set', key: messageKey(message.id), value: JSON.stringify(message) },
      { op: 'indexAdd', key: dueKey, member: message.id, score: dueAt },
      { op: 'indexAdd', key: listKey, member: message.id, score: message.order },
    ];
    if (message.siteId) ops.push({ op: 'indexAdd', key: siteListKey(message.siteId), member: message.id, score: message.order });
    return ops;
  }

  function build(input: Omit<OutboxInput, 'payload'> & { sealed: string }, change?: string): OutboxMessage {
    return {
      id: input.id ?? randomUUID(),
      channel: input.channel,
      to: input.to,
      kind: input.kind,
      siteId: input.siteId,
      sealed: input.sealed,
      state: 'pending',
      attempts: 0,
      createdAt: new Date().toISOString(),
      order: nextOrder(),
      change,
      onlyIf: input.onlyIf,
      notAfter: input.notAfter,
    };
  }

  /** Writes the messages (and the change causing them) in one atomic write, then applies the change. */
  async function enqueue(inputs: readonly OutboxInput[], options: { change?: readonly ChangeStep[] } = {}): Promise<OutboxMessage[]> {
    const changeId = options.change?.length ? randomUUID() : undefined;
    const messages = inputs.map(({ payload, ...input }) => build({ ...input, sealed: box.seal(JSON.stringify(payload)) }, changeId));
    const ops: WriteOp[] = [];
    if (changeId) {
      ops.push({ op: 'set', key: changeKey(changeId), value: JSON.stringify(options.change) }, { op: 'addToSet', key: pendingChangesKey, member: changeId });
    }
    const now = Date.now();
    for (const message of messages) ops.push(...messageOps(message, now));
    await store.writeAll(ops);
    if (changeId) await applyChange(changeId);
    wake();
    return messages;
  }

  /** Applies a change written with its messages, if it is still pending; safe to run twice or in parallel. */
  async function applyChange(id: string): Promise<void> {
    const raw = await store.get(changeKey(id));
    if (raw === undefined) return;
    const steps = JSON.parse(raw) as ChangeStep[];
    for (let start = 0; start < steps.length; start += CHANGE_CHUNK) {
      await Promise.all(
        steps
          .slice(start, start + CHANGE_CHUNK)
          .map((step) =>
            step.op === 'setIfAbsent'
              ? store.setIfAbsent(step.key, step.value, step.ttlSeconds === undefined ? undefined : { ttlSeconds: step.ttlSeconds })
              : step.op === 'indexAdd'
                ? store.writeAll([step])
                : store.addToSet(step.key, step.member),
          ),
      );
    }
    await store.writeAll([
      { op: 'delete', key: changeKey(id) },
      { op: 'removeFromSet', key: pendingChangesKey, member: id },
    ]);
  }

  /** Start-up: what a killed process left half-applied is completed before admit answers. */
  async function applyPendingChanges(): Promise<number> {
    const ids = await store.setMembers(pendingChangesKey);
    for (const id of ids) await applyChange(id);
    return ids.length;
  }

  async function get(id: string): Promise<OutboxMessage | undefined> {
    return parse(await store.get(messageKey(id)));
  }

  async function getMany(ids: readonly string[]): Promise<(OutboxMessage | undefined)[]> {
    return (await store.getMany(ids.map(messageKey))).map(parse);
  }

  /**
   * Newest first, `limit` at a time, across the lists given (every site's, or
   * some sites'). `before` is the previous page's `next`.
   */
  async function list(options: { siteIds: string[] | 'all'; limit: number; before?: string }): Promise<OutboxPage> {
    const keys = options.siteIds === 'all' ? [listKey] : options.siteIds.map(siteListKey);
    const cursor = options.before ? /^(\d+):([\w-]+)$/.exec(options.before) : null;
    const max = cursor ? Number(cursor[1]) : undefined;
    // Equal scores are rare (two instances in one µs slot); the page reads a little further and drops what the last page showed.
    const spare = 20;
    const entries = (await Promise.all(keys.map((key) => store.indexRange(key, { max, limit: options.limit + spare, reverse: true }))))
      .flat()
      .filter((entry) => !cursor || entry.score < max! || entry.member < cursor[2]!)
      .sort((a, b) => b.score - a.score || (a.member < b.member ? 1 : a.member > b.member ? -1 : 0))
      .filter((entry, index, all) => index === 0 || entry.member !== all[index - 1]!.member);
    const page = entries.slice(0, options.limit);
    const messages = (await getMany(page.map((entry) => entry.member))).filter((message): message is OutboxMessage => message !== undefined);
    const last = page[page.length - 1];
    return { messages, next: entries.length > options.limit && last ? `${last.score}:${last.member}` : undefined };
  }

  /**
   * Sends a message again as a new message (its own id: a receiver that
   * dropped the first as a duplicate takes this one), with the same content
   * and the same condition. A cancelled message is not resent: its cause is gone.
   */
  async function resend(id: string): Promise<OutboxMessage | 'not_found' | 'cancelled' | 'pending'> {
    const original = await get(id);
    if (!original) return 'not_found';
    if (original.state === 'cancelled') return 'cancelled';
    if (original.state === 'pending') return 'pending';
    if (original.notAfter && Date.parse(original.notAfter) < Date.now()) return 'cancelled';
    const copy = build({ ...original, id: undefined });
    await store.writeAll(messageOps(copy, Date.now()));
    wake();
    return copy;
  }

  /** The message will not go out (its cause lost a race); a message already delivered stays as it is. */
  async function cancel(id: string, reason: string): Promise<boolean> {
    const raw = await store.get(messageKey(id));
    const message = parse(raw);
    if (message?.state !== 'pending') return false;
    return store.writeAll(
      [
        { op: 'set', key: messageKey(id), value: JSON.stringify({ ...message, state: 'cancelled', lastError: reason }), ttlSeconds: retentionSeconds },
        { op: 'indexRemove', key: dueKey, member: id },
      ],
      { onlyIf: { key: messageKey(id), equals: raw! } },
    );
  }

  /** Listed entries past retention (their records expired on their own). */
  async function trim(): Promise<void> {
    const maxScore = (Date.now() - retentionSeconds * 1000) * 1000;
    await store.writeAll([listKey, ...(deps.siteIds?.() ?? []).map(siteListKey)].map((key) => ({ op: 'indexTrim' as const, key, maxScore })));
  }

  /** Tells the worker there is something to deliver (after a cause was written). */
  function wake(): void {
    for (const listener of listeners) listener();
  }

  return {
    enqueue,
    applyChange,
    applyPendingChanges,
    get,
    getMany,
    list,
    resend,
    cancel,
    trim,
    wake,
    open: (message: OutboxMessage): unknown => JSON.parse(box.open(message.sealed)),
    onEnqueued(listener: () => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    retentionSeconds,
  };
}

export type Outbox = ReturnType<typeof createOutbox>;
