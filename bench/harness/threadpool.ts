import type { BenchResult } from '../lib/result.ts';
import { latency } from '../lib/stats.ts';
import { startGenerator } from './generator-client.ts';
import { type ServerOptions, startServers } from './servers.ts';

/**
 * admit's argon2id (@node-rs/argon2's async API) runs on libuv's thread pool. On 2 cores, more pool threads
 * than cores let hashes crowd out the event loop; fewer leave a core idle.
 * This measures admit's argon2id sign-in (saturated rate, then latency at
 * 70 % of it) with admit restarted at each UV_THREADPOOL_SIZE.
 */
export async function measureThreadpool(
  sizes: readonly number[],
  serverOptions: Omit<ServerOptions, 'admitEnv'>,
  seconds: number,
  log: (line: string) => void,
): Promise<NonNullable<BenchResult['threadpool']>> {
  const rows: NonNullable<BenchResult['threadpool']> = [];
  for (const size of sizes) {
    const servers = await startServers({ ...serverOptions, admitEnv: { UV_THREADPOOL_SIZE: String(size) } });
    const generator = await startGenerator(servers.users);
    try {
      const target = { kind: 'admit' as const, origin: servers.admit.origin };
      await generator.run({ op: 'signin-argon2', target, mode: 'closed', connections: 8, seconds: 1 }, {});
      const closed = await generator.run({ op: 'signin-argon2', target, mode: 'closed', connections: 8, seconds }, {});
      const rate = closed.result.mode === 'closed' ? closed.result.rate : Number.NaN;
      const open = await generator.run({ op: 'signin-argon2', target, mode: 'open', rate: Math.max(1, Math.round(rate * 0.7)), seconds }, {});
      const samples = open.result.mode === 'open' ? open.result.latenciesMs : [];
      rows.push({ size, rate, latency: samples.length > 0 ? latency(samples) : null });
      log(`  threadpool ${size}: ${rate.toFixed(0)} sign-ins/s, p99 ${latency(samples).p99.toFixed(1)} ms at 70 %`);
    } finally {
      await generator.stop();
      await servers.stop();
    }
  }
  return rows;
}
