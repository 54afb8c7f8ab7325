// Scratch: A/B two admit variants (env differences) on one store, alternating closed runs.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis } from '../test/support/redis-server.ts';
import { freePort } from '../test/support/free-port.ts';
import { seedAdmitStore } from './harness/seed.ts';
import { admitConfig } from './harness/admit-config.ts';
import { benchPath, startNodeChild } from './harness/child-process.ts';
import { BENCH_SECRET } from './harness/servers.ts';
import { startGenerator } from './harness/generator-client.ts';
import type { OperationId } from './load/operations.ts';

const [op, pairs, secs, ...variants] = process.argv.slice(2) as [OperationId, string, string, ...string[]];
const dir = mkdtempSync(join(tmpdir(), 'ab-'));
const redis = await startRedis();
const seeded = await seedAdmitStore({ storeUrl: redis.url, keyPrefix: 'ab:', masterSecret: BENCH_SECRET, users: 4 });
const servers = [];
for (const variant of variants) {
  const env = Object.fromEntries(variant.split(',').filter(Boolean).map((kv) => kv.split('=') as [string, string]));
  const port = await freePort();
  const cfg = join(dir, `c${port}.json`);
  writeFileSync(cfg, JSON.stringify(admitConfig({ port, keyPrefix: 'ab:', logLevel: env.LOG ?? 'info' })));
  const child = await startNodeChild({ script: benchPath(env.SCRIPT ?? 'servers/admit.ts'), env: { NODE_ENV: 'production', ADMIT_CONFIG: cfg, ADMIT_STORE: redis.url, ADMIT_SECRET: BENCH_SECRET, PORT: String(port), ...env } });
  servers.push({ variant, port, pid: child.pid, child });
}
const gen = await startGenerator({ ...seeded.users, ldap: [] });
const run = (s: typeof servers[number], seconds: number) => gen.run({ op, target: { kind: 'admit', origin: `http://127.0.0.1:${s.port}` }, mode: 'closed', connections: 32, ...(op === 'code' || op === 'refresh' ? { amount: Math.round(1200 * seconds) } : { seconds }) }, { server: s.pid });
for (const s of servers) await run(s, 3);
const cpu: Record<string, number[]> = {};
for (let i = 0; i < Number(pairs); i++) for (const s of servers) {
  const r = await run(s, Number(secs));
  const res = r.result as { completed: number; rate: number };
  (cpu[s.variant] ??= []).push(Math.round((r.cpuTicks.server! * 10000) / res.completed));
}
for (const [v, xs] of Object.entries(cpu)) console.log(v.padEnd(30), 'cpu µs/op', xs.join(' '), ' median', xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]);
await gen.stop();
for (const s of servers) await s.child.stop();
await redis.stop();
