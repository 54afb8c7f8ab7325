import { createHash } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { type Store, storeKey } from '../store/port.ts';
import { callerOf } from './bearer.ts';
import { ApiProblem, problemOf, writeProblem } from './problem.ts';

interface Remembered {
  fingerprint: string;
  state: 'pending' | 'done';
  status?: number;
  body?: unknown;
  location?: string;
}

/** While the first request runs; a process that dies mid-way frees the key after this. */
const PENDING_SECONDS = 60;
const KEY = /^[\x21-\x7e]{1,255}$/;

/** The same JSON whatever the order of its keys. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const fingerprintOf = (ctx: Context) =>
  createHash('sha256')
    .update(`${ctx.method} ${ctx.path}\n${canonical((ctx.request as { body?: unknown }).body ?? null)}`)
    .digest('base64url');

/**
 * `Idempotency-Key` on a POST (draft-ietf-httpapi-idempotency-key-header):
 * the first request with a key claims it in the store (setIfAbsent: one
 * claimant, across instances), runs, and its answer is kept for the TTL; a
 * retry with the same key and the same body gets that answer again without
 * running twice; the same key with another body is 422; a retry while the
 * first still runs is 409. Keys are per API client. A 5xx answer is not
 * kept, so the retry runs again.
 */
export function idempotency(deps: { store: Store; ttlSeconds: number }): Middleware {
  return async (ctx, next) => {
    const given = ctx.get('idempotency-key');
    if (ctx.method !== 'POST' || !given) return next();
    if (!KEY.test(given)) throw new ApiProblem(400, 'invalid_idempotency_key', 'Idempotency-Key: 1 to 255 printable characters, no spaces.');
    const key = storeKey('api-idempotency', callerOf(ctx).client.clientId, createHash('sha256').update(given).digest('base64url'));
    const fingerprint = fingerprintOf(ctx);
    const claimed = await deps.store.setIfAbsent(key, JSON.stringify({ fingerprint, state: 'pending' } satisfies Remembered), {
      ttlSeconds: PENDING_SECONDS,
    });
    if (!claimed) return replay(ctx, key, fingerprint);
    try {
      await next();
    } catch (caught) {
      const problem = problemOf(caught);
      if (problem.status >= 500) {
        await deps.store.delete(key);
        throw caught;
      }
      writeProblem(ctx, problem);
    }
    if (ctx.status >= 500) return void (await deps.store.delete(key));
    const remembered: Remembered = { fingerprint, state: 'done', status: ctx.status, body: ctx.body, location: ctx.response.get('location') || undefined };
    await deps.store.set(key, JSON.stringify(remembered), { ttlSeconds: deps.ttlSeconds });
  };

  async function replay(ctx: Context, key: string, fingerprint: string): Promise<void> {
    const raw = await deps.store.get(key);
    const remembered = raw === undefined ? undefined : (JSON.parse(raw) as Remembered);
    if (remembered && remembered.fingerprint !== fingerprint) {
      throw new ApiProblem(422, 'idempotency_key_reused', 'This Idempotency-Key was used with another request; use a new key for a new request.');
    }
    if (!remembered || remembered.state === 'pending') {
      throw new ApiProblem(409, 'idempotency_key_in_use', 'A request with this Idempotency-Key is still being processed; retry shortly.', {
        headers: { 'retry-after': '1' },
      });
    }
    ctx.status = remembered.status!;
    if (remembered.location) ctx.set('location', remembered.location);
    ctx.set('idempotent-replayed', 'true');
    ctx.body = remembered.body;
    if (ctx.status >= 400) ctx.type = 'application/problem+json';
  }
}
