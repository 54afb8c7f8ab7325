import { loadAverage } from '../lib/machine.ts';
import { readSystemCpu, systemShares } from '../lib/proc-stat.ts';
import type { LatencyPoint, OperationResult } from '../lib/result.ts';
import { percentile, settled, spread } from '../lib/stats.ts';
import { type ClosedRunRecord, compareSides, latencyRates, overCapacity, summariseOpenRuns, summariseSide } from '../lib/summarise.ts';
import { operationTarget } from '../lib/targets.ts';
import type { RunResult as MeasuredResult, RunSpec } from '../load/messages.ts';
import type { OperationId } from '../load/operations.ts';
import { POOLED, SIGN_INS } from '../load/operations.ts';
import type { Generator, Watched } from './generator-client.ts';
import { OPERATION_LABELS, operationNotes } from './labels.ts';
import type { RunningServer, ServerPair } from './servers.ts';

export interface Plan {
  /** Closed-model pairs (throughput, CPU, the ratios): at least this many. */
  pairs: number;
  /** More pairs are run, up to this many, while a ratio has not settled (bench/lib/stats.ts settled). */
  maxPairs: number;
  /** Open-model pairs per latency point. */
  latencyPairs: number;
  warmSeconds: number;
  closedSeconds: number;
  openSeconds: number;
  connections: number;
  /** Fractions of the baseline's saturated rate for the latency points; none skips them. */
  fractions: number[];
  /** Fraction of admit's own saturated rate for the sign-in latency point (issue: 70 %). */
  signInFraction: number;
}

export interface MeasureContext {
  generator: Generator;
  servers: ServerPair;
  store: 'redis' | 'sqlite';
  /** The store's own process (redis-server), when there is one, for store CPU per op. */
  storePid?: number;
  /** Commands the store has processed so far (Redis INFO), for store commands per op. */
  storeCommands?: () => Promise<number>;
  ticksPerSecond: number;
  /** Other identity servers measured in the same pairs (`--peers`), for the operations they can do. */
  peers?: readonly PeerServer[];
  log(line: string): void;
}

/** A peer in the same alternation: its origin, its processes, and which operations it can do. */
export interface PeerServer {
  kind: 'lemonldap' | 'glewlwyd';
  label: string;
  origin: string;
  /** The server's processes now (nginx and FastCGI workers, or one daemon). */
  watch: Watched;
  /** undefined: it can do the operation; otherwise why not, as measured when it was set up. */
  unsupported(op: OperationId): string | undefined;
}

/** Ratios settle when the middle half of the pairs lies within this of the median (issue 17: ± 0.05). */
export const SETTLE_WITHIN = 0.05;

/** A warm-up run this much faster than the one before means the server is still warming. */
const WARM_RATE_STEADY = 1.1;
const MAX_WARM_RUNS = 5;

/** admit has no JWT access tokens for client credentials (no resource server is configurable). */
const ADMIT_UNSUPPORTED: ReadonlySet<OperationId> = new Set(['cc-jwt']);

/**
 * One operation on one store: a warm-up run each, then closed-model runs
 * alternating admit and baseline (A B A B …) for throughput and CPU, then
 * open-model runs, alternating again, at fixed fractions of the baseline's
 * saturated rate (and, for sign-ins, at a fraction of admit's own).
 */
export async function measureOperation(op: OperationId, plan: Plan, ctx: MeasureContext): Promise<OperationResult> {
  const admitSupported = !ADMIT_UNSUPPORTED.has(op);
  const peers = (ctx.peers ?? []).filter((peer) => peer.unsupported(op) === undefined);
  const measuredServers: Measured[] = [
    ...(admitSupported ? [ctx.servers.admit] : []),
    ctx.servers.baseline,
    ...peers.map((peer) => ({ kind: peer.kind, origin: peer.origin, watch: peer.watch })),
  ];
  const servers = measuredServers;
  const watch = (server: Measured) => ({ server: 'watch' in server ? server.watch : server.pid, ...(ctx.storePid ? { store: ctx.storePid } : {}) });
  const target = (server: Measured) => ({ kind: server.kind, origin: server.origin });

  const estimates = new Map<string, number>();
  const closedSpec = (server: Measured, seconds: number): RunSpec => {
    const base = { op, target: target(server), mode: 'closed' as const, connections: plan.connections };
    // Pooled operations run for a number of requests (one pool item each), sized from the warm-up's rate.
    return POOLED.has(op) ? { ...base, amount: Math.max(200, Math.round((estimates.get(server.kind) ?? 400) * seconds)) } : { ...base, seconds };
  };
  const closedRun = async (server: Measured, pair: number, seconds: number): Promise<ClosedRunRecord> => {
    const run = await ctx.generator.run(closedSpec(server, seconds), watch(server), ctx.storeCommands);
    if (run.result.mode !== 'closed') throw new Error('expected a closed-model result');
    const { rate, completed, failed, durationMs, firstFailure } = run.result;
    ctx.log(
      `  ${op} ${ctx.store} ${server.kind.padEnd(8)} closed  ${rate.toFixed(0).padStart(6)} /s  ${completed} ok ${failed} failed  (pool ${Math.round(run.prepareMs)} ms)${firstFailure ? `  first failure: ${firstFailure.slice(0, 300)}` : ''}`,
    );
    return {
      pair,
      rate,
      completed,
      failed,
      durationMs,
      cpuTicks: { server: run.cpuTicks.server ?? 0, store: run.cpuTicks.store },
      storeCommands: run.counted,
      firstFailure,
    };
  };

  /**
   * A fresh server's code is still being compiled by V8's optimising tiers
   * during its first seconds of load: one warm-up run left the first pairs
   * of the first operation measuring compilation (its rate still climbing
   * 30 % from pair to pair). Short runs repeat until the rate stops
   * climbing, so the pairs compare steady states; an operation on warm code
   * takes two, as long as the single warm-up run they replace.
   */
  const warmUp = async (server: Measured): Promise<number> => {
    const seconds = plan.warmSeconds / 2;
    let rate = (await closedRun(server, 0, seconds)).rate;
    for (let run = 2; run <= MAX_WARM_RUNS; run += 1) {
      const next = (await closedRun(server, 0, seconds)).rate;
      const climbing = next > rate * WARM_RATE_STEADY;
      rate = next;
      if (!climbing) break;
    }
    return rate;
  };
  for (const server of servers) estimates.set(server.kind, await warmUp(server));
  const runs = new Map<string, ClosedRunRecord[]>(servers.map((server) => [server.kind, []]));
  const conditions: PairConditions[] = [];
  /** Per pair: admit/baseline throughput, and baseline/admit CPU per operation (≥ 1: admit costs no more). */
  const pairRatios = () => {
    const admitRuns = runs.get('admit') ?? [];
    const baselineRuns = runs.get('baseline') ?? [];
    const perOp = (run: ClosedRunRecord) => (run.completed > 0 ? run.cpuTicks.server / run.completed : Number.NaN);
    return {
      throughput: admitRuns.map((run, i) => run.rate / (baselineRuns[i]?.rate ?? Number.NaN)),
      cpu: admitRuns.map((run, i) => perOp(baselineRuns[i]!) / perOp(run)),
    };
  };
  let pair = 0;
  for (;;) {
    pair += 1;
    const loadBefore = loadAverage()[0]!;
    const cpuBefore = readSystemCpu();
    for (const server of servers) runs.get(server.kind)!.push(await closedRun(server, pair, plan.closedSeconds));
    const shares = systemShares(cpuBefore, readSystemCpu());
    conditions.push({
      pair,
      loadAverageAtStart: loadBefore,
      loadAverageAtEnd: loadAverage()[0]!,
      stealPercent: shares.steal * 100,
      busyPercent: shares.busy * 100,
    });
    if (pair < plan.pairs) continue;
    const ratios = pairRatios();
    const calm = settled(ratios.cpu, SETTLE_WITHIN) && settled(ratios.throughput, SETTLE_WITHIN);
    if (calm || pair >= plan.maxPairs) break;
    ctx.log(
      `  ${op} ${ctx.store} not settled after ${pair} pairs (CPU ${ratios.cpu.map((r) => r.toFixed(2)).join(' ')}, throughput ${ratios.throughput.map((r) => r.toFixed(2)).join(' ')}): one more`,
    );
  }
  const finalRatios = pairRatios();
  const settling = {
    pairs: pair,
    within: SETTLE_WITHIN,
    cpu: settled(finalRatios.cpu, SETTLE_WITHIN),
    throughput: settled(finalRatios.throughput, SETTLE_WITHIN),
  };
  const baseline = summariseSide(runs.get('baseline')!, ctx.ticksPerSecond);
  const admit = admitSupported ? summariseSide(runs.get('admit')!, ctx.ticksPerSecond) : null;
  const compared = admit ? compareSides(admit, baseline) : null;
  const peerResults = (ctx.peers ?? []).map((peer) => {
    const reason = peer.unsupported(op);
    return reason === undefined
      ? { kind: peer.kind, label: peer.label, side: summariseSide(runs.get(peer.kind)!, ctx.ticksPerSecond) }
      : { kind: peer.kind, label: peer.label, side: null, unsupported: reason };
  });

  const latency: LatencyPoint[] = [];
  /** Open-model runs at one rate, alternating the servers pair by pair; samples pooled per server. */
  const openRuns = async (measured: Measured[], rate: number) => {
    const results = new Map<string, Extract<MeasuredResult, { mode: 'open' }>[]>(measured.map((server) => [server.kind, []]));
    for (let pair = 1; pair <= plan.latencyPairs; pair += 1) {
      for (const server of measured) {
        const run = await ctx.generator.run({ op, target: target(server), mode: 'open', rate, seconds: plan.openSeconds }, watch(server));
        if (run.result.mode !== 'open') throw new Error('expected an open-model result');
        results.get(server.kind)!.push(run.result);
        ctx.log(
          `  ${op} ${ctx.store} ${server.kind.padEnd(8)} open    ${rate.toFixed(0).padStart(6)} /s  ${run.result.completed} ok ${run.result.failed} failed ${run.result.dropped} dropped, p99 ${percentile(run.result.latenciesMs, 99).toFixed(1)} ms, lag p99 ${run.result.lagP99Ms} ms${run.result.firstFailure ? `  first failure: ${run.result.firstFailure.slice(0, 300)}` : ''}`,
        );
      }
    }
    return (kind: string) => summariseOpenRuns(results.get(kind) ?? []);
  };
  const admitCapacity = admit?.rate.median ?? 0;
  for (const { fraction, rate } of latencyRates(baseline.rate.median ?? Number.NaN, plan.fractions)) {
    const point: LatencyPoint = { fraction, of: 'baseline', rate };
    if (!admitSupported) point.admit = { status: 'not supported' };
    else if (overCapacity(rate, admitCapacity)) point.admit = { status: 'over capacity', capacity: Math.round(admitCapacity) };
    const measured = point.admit === undefined ? [ctx.servers.admit, ctx.servers.baseline] : [ctx.servers.baseline];
    const side = await openRuns(measured, rate);
    if (point.admit === undefined) point.admit = side('admit');
    point.baseline = side('baseline');
    latency.push(point);
  }
  const [own] = SIGN_INS.has(op) && admit && plan.fractions.length > 0 ? latencyRates(admitCapacity, [plan.signInFraction]) : [];
  if (own) latency.push({ fraction: own.fraction, of: 'admit', rate: own.rate, admit: (await openRuns([ctx.servers.admit], own.rate))('admit') });

  const result: Omit<OperationResult, 'target'> = {
    op,
    label: op === 'signin-argon2' && ctx.servers.users.totp.length > 0 ? `${OPERATION_LABELS[op]} + TOTP` : OPERATION_LABELS[op],
    store: ctx.store,
    unit: SIGN_INS.has(op) ? 'sign-ins' : 'requests',
    notes: [...operationNotes(op, ctx.servers.users.totp.length > 0), ...(admitSupported ? [] : ['admit: not supported (see notes)'])],
    admit,
    baseline,
    ratio: compared?.ratio ?? null,
    cpuRatio: compared?.cpuRatio ?? null,
    latency,
    conditions,
    settling,
    ...(peerResults.length > 0 ? { peers: peerResults } : {}),
  };
  const judged = operationTarget(result);
  return { ...result, ...(judged ? { target: judged } : {}) };
}

/** A server in the alternation: admit or the baseline (one pid), or a peer (a group of processes). */
type Measured = RunningServer | { kind: PeerServer['kind']; origin: string; watch: Watched };

/** What else the machine was doing during one pair (load average: 1-minute; steal and busy: all cores, from /proc/stat). */
export interface PairConditions {
  pair: number;
  loadAverageAtStart: number;
  loadAverageAtEnd: number;
  stealPercent: number;
  busyPercent: number;
}

/** Median of a list of rates, for logs. */
export const medianRate = (rates: number[]) => spread(rates).median;
