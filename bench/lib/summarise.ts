import type { LatencyPoint, ServerSide } from './result.ts';
import { inverseRatios, latency, pairRatios, spread } from './stats.ts';

/** One closed-model run as the harness recorded it. */
export interface ClosedRunRecord {
  pair: number;
  rate: number;
  completed: number;
  failed: number;
  durationMs: number;
  /** CPU ticks of the server and (when watched) the store process during the run. */
  cpuTicks: { server: number; store?: number };
  /** Commands the store (Redis) processed during the run. */
  storeCommands?: number;
  firstFailure?: string;
}

const perOp = (ticks: number | undefined, completed: number, ticksPerSecond: number) =>
  ticks === undefined || completed <= 0 ? Number.NaN : (ticks * 1_000_000) / ticksPerSecond / completed;

/** A server's closed runs reduced to medians and ranges. */
export function summariseSide(runs: readonly ClosedRunRecord[], ticksPerSecond: number): ServerSide {
  const rows = runs.map((run) => ({
    pair: run.pair,
    rate: run.rate,
    completed: run.completed,
    failed: run.failed,
    durationMs: Math.round(run.durationMs),
    cpuUsPerOp: perOp(run.cpuTicks.server, run.completed, ticksPerSecond),
    storeCpuUsPerOp: perOp(run.cpuTicks.store, run.completed, ticksPerSecond),
    storeCommandsPerOp: run.storeCommands === undefined || run.completed <= 0 ? Number.NaN : run.storeCommands / run.completed,
  }));
  const firstFailure = runs.find((run) => run.firstFailure)?.firstFailure;
  return {
    runs: rows,
    rate: spread(rows.map((row) => row.rate)),
    cpuUsPerOp: spread(rows.map((row) => row.cpuUsPerOp)),
    storeCpuUsPerOp: spread(rows.map((row) => row.storeCpuUsPerOp)),
    storeCommandsPerOp: spread(rows.map((row) => row.storeCommandsPerOp)),
    failed: rows.reduce((sum, row) => sum + row.failed, 0),
    ...(firstFailure ? { firstFailure } : {}),
  };
}

/** Throughput and CPU ratios, pair by pair (runs with the same `pair` were taken back to back). */
export function compareSides(admit: ServerSide, baseline: ServerSide) {
  const byPair = (side: ServerSide, pick: (row: ServerSide['runs'][number]) => number) => {
    const pairs = [...new Set([...admit.runs, ...baseline.runs].map((row) => row.pair))].sort((a, b) => a - b);
    return pairs.map((pair) => {
      const row = side.runs.find((r) => r.pair === pair);
      return row ? pick(row) : Number.NaN;
    });
  };
  return {
    ratio: pairRatios(
      byPair(admit, (r) => r.rate),
      byPair(baseline, (r) => r.rate),
    ),
    cpuRatio: inverseRatios(
      byPair(admit, (r) => r.cpuUsPerOp ?? Number.NaN),
      byPair(baseline, (r) => r.cpuUsPerOp ?? Number.NaN),
    ),
  };
}

/** One side of a latency point from its open-model runs (samples pooled across the runs). */
export function summariseOpenRuns(runs: readonly { latenciesMs: number[]; achievedRate: number; dropped: number; failed: number; lagP99Ms: number }[]) {
  const samples = runs.flatMap((run) => run.latenciesMs);
  return {
    status: 'measured' as const,
    latency: latency(samples),
    achievedRate: spread(runs.map((run) => run.achievedRate)).median,
    dropped: runs.reduce((sum, run) => sum + run.dropped, 0),
    failed: runs.reduce((sum, run) => sum + run.failed, 0),
    generatorLagP99Ms: Math.max(0, ...runs.map((run) => run.lagP99Ms)),
  };
}

/** The rates the latency points are taken at: fractions of a saturated (closed-model) rate. */
export function latencyRates(saturated: number, fractions: readonly number[]): { fraction: number; rate: number }[] {
  if (!Number.isFinite(saturated) || saturated <= 0) return [];
  return fractions.map((fraction) => ({ fraction, rate: Math.max(1, Math.round(saturated * fraction)) }));
}

/** admit cannot be measured at a rate it cannot sustain: the open model would only queue. */
export function overCapacity(rate: number, admitSaturated: number): boolean {
  return !(rate <= admitSaturated * 0.95);
}

export type LatencySide = NonNullable<LatencyPoint['admit']>;
