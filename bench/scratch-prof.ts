// Scratch: steady-state CPU profile of one op on admit and baseline; prints µs/request by package for the measured window.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis } from '../test/support/redis-server.ts';
import { startServers } from './harness/servers.ts';
import { startGenerator } from './harness/generator-client.ts';
import type { OperationId } from './load/operations.ts';

const [op, secs] = process.argv.slice(2) as [OperationId, string];
const dir = mkdtempSync(join(tmpdir(), 'prof-'));
const profDir = join(dir, 'prof');
const redis = await startRedis();
const spawned = performance.now();
const pair = await startServers({ store: 'redis', redisUrl: redis.url, dir, ldapUsers: [], usersPerKind: 4, nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profDir}`], logLevel: process.env.LOG ?? 'info' });
const gen = await startGenerator(pair.users);
const pooled = op === 'code' || op === 'refresh';
const spec = (s: typeof pair.admit, seconds: number) => ({ op, target: { kind: s.kind, origin: s.origin }, mode: 'closed' as const, connections: 32, ...(pooled ? { amount: Math.round(1000 * seconds) } : { seconds }) });
for (const s of [pair.admit, pair.baseline]) await gen.run(spec(s, 4), {});
const windows: Record<string, [number, number, number]> = {};
for (const s of [pair.admit, pair.baseline]) {
  const t0 = performance.now() - spawned;
  const r = await gen.run(spec(s, Number(secs)), { server: s.pid });
  const res = r.result as { completed: number };
  windows[s.kind] = [t0, performance.now() - spawned, res.completed];
  console.log(s.kind, 'completed', res.completed, 'cpu µs/op', Math.round((r.cpuTicks.server! * 10000) / res.completed));
}
await gen.stop();
await pair.stop();
await redis.stop();
console.log(JSON.stringify({ profDir, windows, pids: { admit: pair.admit.pid, baseline: pair.baseline.pid } }));
