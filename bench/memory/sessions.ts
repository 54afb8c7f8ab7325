/**
 * Memory per active session, in its own process (node --expose-gc):
 *   node --expose-gc bench/memory/sessions.ts <sessions> <httpSignIns>
 * 1. One real sign-in (+ code exchange) through admit over HTTP, on a fresh
 *    Redis: the keys it leaves are "what a session is" (MEMORY USAGE each).
 * 2. <sessions> more sessions written through admit's oidc adapter from that
 *    template (fresh ids): INFO used_memory delta / <sessions>.
 * 3. <httpSignIns> real sign-ins over HTTP after a warm-up: admit's Node heap
 *    delta after GC per sign-in (median of three rounds; admit keeps sessions
 *    in the store, so this should be ~0), and the Redis delta again, as a
 *    cross-check that includes what is not session state (code, audit trail).
 */
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import pino from 'pino';
import { composeAdmit } from '../../src/compose.ts';
import type { Config } from '../../src/config/schema.ts';
import { configSchema } from '../../src/connectors.ts';
import { createStore } from '../../src/store/create-store.ts';
import { createOidcAdapterFactory } from '../../src/store/oidc-adapter.ts';
import { startRedis } from '../../test/support/redis-server.ts';
import { admitConfig } from '../harness/admit-config.ts';
import { seedAdmitStore } from '../harness/seed.ts';
import { BENCH_SECRET } from '../harness/servers.ts';
import { median } from '../lib/stats.ts';
import { createHttpClient, inParallel } from '../load/http-flow.ts';
import { admitLoginPage, signInSteps } from '../load/sign-in-steps.ts';
import { footprint, scanKeys, usedMemory } from './redis-keys.ts';
import { templateRecords, writeSessionCopy } from './replicate.ts';

const [sessions, httpSignIns] = process.argv.slice(2).map(Number) as [number, number];
const PREFIX = 'mem:';
/**
 * "An active session" is the oidc-provider state a completed sign-in leaves:
 * Session, Grant, AccessToken and RefreshToken, plus the indexes admit's
 * adapter keeps for them (uid, grant set, account's sessions; an index added
 * later is counted too). Not counted, but listed: the code (60 s) and the
 * interaction, which do not last, and admit's other keys, which belong to the
 * user or to the sign-in event rather than to the session (account, link,
 * throttle counters, audit trail entries).
 */
const isSessionState = (kind: string) => kind.startsWith('oidc:') && !/^oidc:(AuthorizationCode|Interaction)(:|$)/.test(kind);
/** oidc-provider models are capitalised (oidc:Session); adapter indexes are not (oidc:uid). */
const isRecord = (kind: string) => /^oidc:[A-Z][A-Za-z]*$/.test(kind);

const collectGarbage = () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
};

const redis = await startRedis();
const raw = new Redis(redis.url);
const seeded = await seedAdmitStore({ storeUrl: redis.url, keyPrefix: PREFIX, masterSecret: BENCH_SECRET, users: 4 });
const server = createServer();
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
const port = (server.address() as { port: number }).port;
const parsed = configSchema.parse({ ...admitConfig({ port, keyPrefix: PREFIX, logLevel: 'silent' }), secret: BENCH_SECRET });
const config = { ...parsed, store: { ...parsed.store, url: redis.url }, server: { ...parsed.server, issuer: `http://127.0.0.1:${port}` } } as Config;
const admit = await composeAdmit(config, pino({ level: process.env.BENCH_MEMORY_LOG ?? 'silent' }));
server.on('request', admit.app.callback());
const client = createHttpClient(`http://127.0.0.1:${port}`, 16);
let nextUser = 0;
const signIn = async (user = nextUser++) => {
  const outcome = await client.runFlow(signInSteps(admitLoginPage, () => seeded.users.cheap[user % seeded.users.cheap.length]!));
  if (!outcome.ok) throw new Error(`sign-in failed at ${outcome.step}: ${outcome.detail}`);
};

// 1. What one sign-in leaves behind.
await signIn(0); // a user's first sign-in also creates their account and link records
const before = await scanKeys(raw, PREFIX);
await signIn(0);
const created = [...(await scanKeys(raw, PREFIX))].filter((key) => !before.has(key));
const keys = await Promise.all(created.map((key) => footprint(raw, key, PREFIX)));
const kinds = new Map<string, { keys: number; bytes: number; ttlSeconds: number | null }>();
for (const key of keys) {
  const entry = kinds.get(key.kind) ?? { keys: 0, bytes: 0, ttlSeconds: key.ttlSeconds };
  entry.keys += 1;
  entry.bytes += key.bytes;
  kinds.set(key.kind, entry);
}

// 2. N sessions through the adapter.
const store = await createStore(redis.url, { keyPrefix: PREFIX, commandTimeoutMs: 10_000, connectTimeoutMs: 5000 });
const Adapter = createOidcAdapterFactory(store);
const counted = keys.filter((key) => isSessionState(key.kind));
const template = templateRecords(counted.filter((key) => isRecord(key.kind)));
const memoryBefore = await usedMemory(raw);
await inParallel(sessions, 64, () => writeSessionCopy(Adapter, template));
const redisBytesPerSession = ((await usedMemory(raw)) - memoryBefore) / sessions;

// 3. Real sign-ins: heap after GC, and Redis again. The first sign-ins grow the heap
// with compiled code and caches, which are not per-session state: warm up well first,
// then take the median of three rounds (a GC round can also shrink the heap).
await inParallel(Math.min(1000, 2 * httpSignIns), 8, () => signIn());
const perRound = Math.max(1, Math.round(httpSignIns / 3));
const heapRounds: number[] = [];
const redisBefore = await usedMemory(raw);
for (let round = 0; round < 3; round += 1) {
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  await inParallel(perRound, 8, () => signIn());
  collectGarbage();
  heapRounds.push((process.memoryUsage().heapUsed - heapBefore) / perRound);
}
const heapBytesPerSession = median(heapRounds);
const redisOverHttp = ((await usedMemory(raw)) - redisBefore) / (perRound * 3);

process.send?.({
  sessions,
  httpSignIns: perRound * 3,
  redisBytesPerSession,
  redisBytesPerSessionMeasuredOverHttp: redisOverHttp,
  heapBytesPerSession,
  comprises: [...kinds].map(([kind, entry]) => ({ kind, ...entry, counted: isSessionState(kind) })),
});

client.close();
await store.close();
server.close();
await admit.close();
raw.disconnect();
await redis.stop();
process.exit(0);
