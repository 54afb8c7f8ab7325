/**
 * Idle resident memory of admit and of the bare oidc-provider baseline, as
 * the benchmark starts them (bench/harness/servers.ts: SQLite, the bench
 * config, one local site, no LDAP): each pair is started fresh, asked for
 * discovery once, left alone for `settleMs`, and VmRSS is read from
 * /proc/<pid>/status. Not part of `npm run bench`; run on its own:
 *   node bench/memory/idle-rss.ts [rounds] [--flags=defaults|shipped|both]
 * `defaults` (the default): both on Node's defaults. `shipped`: admit with the
 * Node flags npm start and the container give it (package.json, the scale
 * bench's ADMIT_NODE_FLAGS), the baseline on Node's defaults, as each would be
 * run. `both`: those flags on both, so the code alone is compared.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServers } from '../harness/servers.ts';
import { ADMIT_NODE_FLAGS } from '../scale/run.ts';

const rounds = Number(process.argv.slice(2).find((arg) => /^\d+$/.test(arg)) ?? 3);
const flags = process.argv.find((arg) => arg.startsWith('--flags='))?.slice('--flags='.length) ?? 'defaults';
if (!['defaults', 'shipped', 'both'].includes(flags)) throw new Error('--flags: defaults, shipped or both');
const settleMs = 3000;

/** VmRSS of a process, in MiB. */
export function residentMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
  return kib / 1024;
}

const dir = mkdtempSync(join(tmpdir(), 'admit-idle-'));
const samples: { admit: number; baseline: number }[] = [];
try {
  for (let round = 0; round < rounds; round += 1) {
    const servers = await startServers({
      store: 'sqlite',
      redisUrl: '',
      dir,
      ldapUsers: [],
      usersPerKind: 1,
      totpUsers: 0,
      nodeFlags: flags === 'both' ? ADMIT_NODE_FLAGS : [],
      ...(flags === 'shipped' ? { admitNodeFlags: ADMIT_NODE_FLAGS } : {}),
      logLevel: 'info',
    });
    try {
      await Promise.all(
        [servers.admit.origin, servers.baseline.origin].map((origin) => fetch(`${origin}/.well-known/openid-configuration`).then((r) => r.arrayBuffer())),
      );
      await new Promise((resolve) => setTimeout(resolve, settleMs));
      samples.push({ admit: residentMiB(servers.admit.pid), baseline: residentMiB(servers.baseline.pid) });
    } finally {
      await servers.stop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const admit = median(samples.map((s) => s.admit));
const baseline = median(samples.map((s) => s.baseline));
console.log(
  JSON.stringify({
    rounds,
    flags,
    samples,
    admitMiB: Number(admit.toFixed(1)),
    baselineMiB: Number(baseline.toFixed(1)),
    ratio: Number((admit / baseline).toFixed(2)),
  }),
);
