/**
 * `npm run bench`: admit's cost per operation as a ratio against bare
 * oidc-provider, measured in one run (see bench/README.md). Starts its own
 * Redis and OpenLDAP, admit, the baseline and a load generator as separate
 * processes; prints one report and writes bench/results/<date>.json (+ .md).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { type RunningRedis, startRedis } from '../test/support/redis-server.ts';
import { benchPath } from './harness/child-process.ts';
import { startGenerator } from './harness/generator-client.ts';
import { type Ldap, startLdap } from './harness/ldap.ts';
import { measureOperation } from './harness/measure.ts';
import { measureMemory } from './harness/memory.ts';
import { planFor, storePlans } from './harness/plans.ts';
import { type ServerOptions, startServers } from './harness/servers.ts';
import { measureThreadpool } from './harness/threadpool.ts';
import { parseArgs, USAGE } from './lib/args.ts';
import { describeMachine, loadAverage } from './lib/machine.ts';
import { clockTicksPerSecond } from './lib/proc-stat.ts';
import { type BenchResult, type OperationResult, toResultJson } from './lib/result.ts';
import { formatReport } from './lib/table.ts';
import type { SignInUsers } from './load/operations.ts';
import { residentMiB } from './peers/common.ts';
import { type Peers, startPeers } from './peers/start.ts';
import { runScale } from './scale/run.ts';

const args = parseArgs(process.argv.slice(2));
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
// Ctrl-C: exit normally, so every child's exit hook stops it; the run's directory (the peers' keys and stores too) goes with it.
let runDir: string | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    if (runDir) rmSync(runDir, { recursive: true, force: true });
    process.exit(130);
  });
const started = performance.now();
const log = (line: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);
if (args.scale) {
  // The scale benchmark (bench/scale/): its own store, admit and report.
  await runScale({
    mode: args.scale,
    out: args.out,
    logLevel: args.admitLogLevel,
    cpuProfDir: args.cpuProfDir,
    dataDir: args.scaleData,
    audit: args.scaleAudit,
    rounds: args.scaleRounds,
    nodeFlags: args.scaleNodeFlags,
    log,
  });
  process.exit(0);
}
const startedAt = new Date().toISOString();
const machine = describeMachine(process.env.UV_THREADPOOL_SIZE);
const ticksPerSecond = clockTicksPerSecond();
const dir = mkdtempSync(join(tmpdir(), 'admit-bench-'));
runDir = dir;
const notes: string[] = [];
const operations: OperationResult[] = [];
let redis: RunningRedis | undefined;
let ldap: Ldap | undefined;
let peers: Peers | undefined;
const memoryRows: NonNullable<BenchResult['peerMemory']> = [];

async function redisPid(url: string): Promise<number> {
  const client = new Redis(url);
  const info = await client.info('server');
  client.disconnect();
  return Number(/^process_id:(\d+)/m.exec(info)?.[1] ?? 0);
}

/** Redis's count of commands processed (INFO stats), read over one connection kept for the run. */
function redisCommandCounter(url: string) {
  const client = new Redis(url);
  return {
    read: async () => Number(/^total_commands_processed:(\d+)/m.exec(await client.info('stats'))?.[1] ?? 0),
    close: () => client.disconnect(),
  };
}

try {
  redis = await startRedis();
  const wantsLdap = !args.only || args.only.includes('signin-ldap') || args.peers;
  ldap = wantsLdap ? await startLdap() : undefined;
  if (ldap?.skipped) notes.push(`LDAP sign-in row left out: ${ldap.skipped}`);
  const plans = storePlans({ quick: args.quick, stores: args.stores, only: args.only, ldap: Boolean(ldap?.directory), peers: args.peers });
  let peerUsers: SignInUsers['peerLocal'];
  if (args.peers) {
    const directory = ldap?.directory as { urls: string[]; bindDn: string; bindPassword: string; userBase: string } | undefined;
    const started = await startPeers({
      dir,
      ...(directory
        ? {
            ldap: { url: directory.urls[0]!, bindDn: directory.bindDn, bindPassword: directory.bindPassword, userBase: directory.userBase, users: ldap!.users },
          }
        : {}),
      log,
    });
    peers = started.peers;
    peerUsers = started.users;
    for (const failed of peers.failed) notes.push(`Peer ${failed.label} left out: ${failed.reason}`);
    for (const peer of peers.running)
      memoryRows.push({
        kind: peer.kind,
        label: peer.label,
        idleMiB: peer.residentMiB(),
        afterSignInsMiB: null,
        signIns: 0,
        ...(peer.note ? { note: peer.note } : {}),
      });
  }
  const serverOptions = (store: 'redis' | 'sqlite'): ServerOptions => ({
    store,
    redisUrl: redis!.url,
    dir,
    ldapDirectory: ldap?.directory,
    ldapUsers: ldap?.users ?? [],
    usersPerKind: 8,
    totpUsers: 0,
    nodeFlags: args.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${join(args.cpuProfDir, store)}`] : [],
    logLevel: args.admitLogLevel,
  });

  for (const { store, ops, plan } of plans) {
    log(`${store}: starting admit and the baseline`);
    // A TOTP code is accepted once per user and 30-second step: ~rate × 30 s users for the argon2id + TOTP sign-in.
    const totpUsers = ops.includes('signin-argon2') ? (args.quick ? 1500 : 3000) : 0;
    const servers = await startServers({ ...serverOptions(store), totpUsers });
    if (servers.totpSkipped) notes.push(`argon2id sign-in without its TOTP step: ${servers.totpSkipped}`);
    // The peers run with the first store's pairs (they keep their own stores).
    const withPeers = peers && store === plans[0]!.store ? peers.running : undefined;
    const generator = await startGenerator(withPeers ? { ...servers.users, peerLocal: peerUsers } : servers.users);
    if (withPeers) {
      await new Promise((resolve) => setTimeout(resolve, 2000));
      for (const server of [servers.admit, servers.baseline])
        memoryRows.push({ kind: server.kind, label: `${server.kind} (${store})`, idleMiB: residentMiB([server.pid]), afterSignInsMiB: null, signIns: 0 });
    }
    const storePid = store === 'redis' ? await redisPid(redis.url) : undefined;
    const counter = store === 'redis' ? redisCommandCounter(redis.url) : undefined;
    try {
      for (const op of ops) {
        operations.push(
          await measureOperation(op, planFor(op, plan), {
            generator,
            servers,
            store,
            storePid,
            storeCommands: counter?.read,
            ticksPerSecond,
            log,
            ...(withPeers ? { peers: withPeers } : {}),
          }),
        );
      }
      if (withPeers) {
        // RSS after the sign-ins: every process of each server, counted with the timed sign-ins it completed.
        const signIns = (kind: string) =>
          operations
            .filter((op) => op.store === store && op.unit === 'sign-ins')
            .reduce((sum, op) => {
              const side = kind === 'admit' ? op.admit : kind === 'baseline' ? op.baseline : op.peers?.find((p) => p.kind === kind)?.side;
              return sum + (side?.runs.reduce((n, run) => n + run.completed, 0) ?? 0);
            }, 0);
        for (const row of memoryRows) {
          const peer = withPeers.find((p) => p.kind === row.kind);
          const pid = row.kind === 'admit' ? servers.admit.pid : row.kind === 'baseline' ? servers.baseline.pid : undefined;
          row.afterSignInsMiB = peer ? peer.residentMiB() : pid ? residentMiB([pid]) : null;
          row.signIns = signIns(row.kind);
        }
      }
    } finally {
      counter?.close();
      await generator.stop();
      await servers.stop();
    }
  }

  const memory = args.memory ? await measureMemory(args.quick ? 2000 : 10_000, args.quick ? 200 : 500) : null;
  if (memory) log(`memory: ${Math.round(memory.redisBytesPerSession)} bytes of Redis per session`);
  const threadpool = args.threadpool ? await measureThreadpool([1, 2, 4, 8], serverOptions('redis'), args.quick ? 1 : 3, log) : null;

  notes.push(
    "Ratios are admit/baseline per back-to-back pair (A B A B …; with --peers A B C D …, the peers in the same pairs), summarised as median (min–max); CPU is the server process's utime+stime (all threads; a peer's: all its processes) from /proc/<pid>/stat over the timed phase, divided by completed operations. The CPU ratio is the one to read on a shared machine.",
    `Pairs: at least ${plans[0]?.plan.pairs ?? 3}, repeated up to ${plans[0]?.plan.maxPairs ?? 3} while the middle half of either ratio's pairs is not within ± 0.05 of its median; an operation still outside is marked noisy, and so is the run. Load average and steal (/proc/stat) are recorded at the start and end of each pair.`,
    "Throughput is closed-model (autocannon, 32 connections; 16 for the protocol sign-in, 8 for argon2id and LDAP sign-ins); latency is open-model (flows start at a fixed rate whatever the answers do; each timed from its first request to its last answer) at 50 % and 80 % of the baseline's saturated rate, and for sign-ins at 70 % of admit's own, with samples pooled over 2 pairs.",
    'The load generator shares the machine with both servers (one process each): absolute numbers move with other work on the machine, ratios much less.',
    `admit runs with NODE_ENV=production and log level ${args.admitLogLevel}${args.admitLogLevel === 'info' ? ' (its default: one JSON line per request, written to /dev/null)' : ''}; the baseline logs nothing.`,
  );
  const result: BenchResult = {
    schema: 'admit-bench/1',
    mode: args.quick ? 'quick' : 'full',
    startedAt,
    durationSeconds: Math.round((performance.now() - started) / 100) / 10,
    machine: { ...machine, loadAverageAtEnd: loadAverage() },
    settings: { plans, ticksPerSecond, sessions: memory?.sessions ?? null },
    operations,
    memory,
    ...(memoryRows.length > 0 ? { peerMemory: memoryRows } : {}),
    threadpool,
    notes,
  };
  const json = toResultJson(result);
  const report = formatReport(result);
  const outFile = args.out ?? benchPath(`results/${startedAt.slice(0, 10)}${args.quick ? '-quick' : ''}.json`);
  mkdirSync(join(outFile, '..'), { recursive: true });
  writeFileSync(outFile, json);
  writeFileSync(outFile.replace(/\.json$/, '.md'), `${report}\n`);
  process.stdout.write(`\n${report}\n\nwritten: ${outFile}\n`);
} finally {
  await peers?.stop();
  await ldap?.stop();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
}
