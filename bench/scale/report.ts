import type { Machine } from '../lib/result.ts';
import type { HeapAfterGc } from './inspector.ts';
import type { ExportRun, Timing } from './measure.ts';
import type { SeedCounts, SeedRate } from './seed.ts';

type RssParts = { rssMb: number; anonMb: number; fileMb: number; peakMb: number };

/** Issue 16's targets. */
export const SCALE_TARGETS = { searchP99Ms: 50, rssGrowthMb: 50, exportRowsPerSecond: 50_000 } as const;

export interface ScaleResult {
  schema: 'admit-bench-scale/1';
  mode: '100k' | '1m';
  startedAt: string;
  durationSeconds: number;
  machine: Machine & { otherProcessesNote: string };
  store: 'sqlite';
  counts: SeedCounts;
  seeding: SeedRate[];
  admitNodeFlags?: string[];
  search: { pooled: Omit<Timing, 'times'>; queries: Omit<Timing, 'times'>[] };
  queue: Omit<Timing, 'times'>[];
  exports: ExportRun[];
  rss: {
    idleMb: number;
    afterMb: number;
    growthMb: number;
    peakMb: number;
    idle?: RssParts;
    after?: RssParts;
    afterSecondRound?: RssParts;
    secondRoundGrowthMb?: number;
    /** VmRSS 10, 20 and 30 s after the first round (left idle), and the growth over idle at 30 s. */
    settled?: { afterSeconds: number; rssMb: number; anonMb: number }[];
    settledGrowthMb?: number;
    /** Rounds 2..n (--scale-rounds). */
    rounds?: { round: number; rssMb: number; anonMb: number; csvRowsPerSecond: number; jsonlRowsPerSecond: number }[];
    /** admit's process.memoryUsage() after a forced GC, at idle (round 0) and after each round (--scale-rounds). */
    heapAfterGc?: ({ round: number } & HeapAfterGc)[];
  };
  checks: { figure: string; value: string; target: string; pass: boolean }[];
  notes: string[];
}

/** The PASS/MISS lines: search p99 (pooled over every query), RSS growth over idle, each export's rate. */
export function checksOf(result: Pick<ScaleResult, 'search' | 'rss' | 'exports'>): ScaleResult['checks'] {
  return [
    {
      figure: 'User search p99 (every query pooled)',
      value: `${result.search.pooled.p99Ms} ms`,
      target: `< ${SCALE_TARGETS.searchP99Ms} ms`,
      pass: result.search.pooled.p99Ms < SCALE_TARGETS.searchP99Ms,
    },
    {
      figure: 'admit RSS growth over idle',
      value: `${result.rss.growthMb} MB`,
      target: `< ${SCALE_TARGETS.rssGrowthMb} MB`,
      pass: result.rss.growthMb < SCALE_TARGETS.rssGrowthMb,
    },
    ...result.exports.map((run) => ({
      figure: `Audit export ${run.format.toUpperCase()} (streamed)`,
      value: `${run.rowsPerSecond.toLocaleString('en')} rows/s`,
      target: `≥ ${SCALE_TARGETS.exportRowsPerSecond.toLocaleString('en')} rows/s`,
      pass: run.rowsPerSecond >= SCALE_TARGETS.exportRowsPerSecond,
    })),
  ];
}

const n = (value: number) => value.toLocaleString('en');

/** The report as Markdown: the targets table first, then each measurement. */
export function formatScaleReport(result: ScaleResult): string {
  const { counts, machine } = result;
  const lines = [
    `## Scale (${result.mode}): ${n(counts.accounts)} accounts, ${n(counts.pending)} pending requests, ${n(counts.audit)} audit entries (SQLite)`,
    '',
    `${machine.cpuModel}, ${machine.nproc} cores, ${machine.memoryGiB} GiB, Node ${machine.node}; load average ${machine.loadAverageAtStart.join(' / ')} at the start, ${machine.loadAverageAtEnd.join(' / ')} at the end. ${machine.otherProcessesNote}`,
    '',
    '| Figure | Measured | Target | |',
    '|---|---|---|---|',
    ...result.checks.map((check) => `| ${check.figure} | ${check.value} | ${check.target} | ${check.pass ? 'PASS' : 'MISS'} |`),
    '',
    '| User search (console `/admin/users`, one admin, sequential) | rows on page | p50 ms | p99 ms | max ms |',
    '|---|---|---|---|---|',
    ...[...result.search.queries, result.search.pooled].map((t) => `| ${t.label} | ${t.rows} | ${t.p50Ms} | ${t.p99Ms} | ${t.maxMs} |`),
    '',
    '| Approval queue (console `/admin/approvals`) | rows | p50 ms | p99 ms | max ms |',
    '|---|---|---|---|---|',
    ...result.queue.map((t) => `| ${t.label} | ${t.rows} | ${t.p50Ms} | ${t.p99Ms} | ${t.maxMs} |`),
    '',
    '| Audit export | rows | MB | seconds | rows/s | first byte ms |',
    '|---|---|---|---|---|---|',
    ...result.exports.map(
      (run) =>
        `| ${run.format.toUpperCase()} | ${n(run.rows)} | ${(run.bytes / 1e6).toFixed(1)} | ${run.seconds} | ${n(run.rowsPerSecond)} | ${run.firstByteMs} |`,
    ),
    '',
    `admit RSS (VmRSS): ${result.rss.idleMb} MB idle after start and console sign-in, ${result.rss.afterMb} MB after every measurement (+${result.rss.growthMb} MB)${result.rss.idle && result.rss.after ? ` (anonymous ${result.rss.idle.anonMb} → ${result.rss.after.anonMb} MB, file-backed ${result.rss.idle.fileMb} → ${result.rss.after.fileMb} MB)` : ''}; ${result.rss.afterSecondRound ? `after the same searches and both exports again: ${result.rss.afterSecondRound.rssMb} MB (${result.rss.secondRoundGrowthMb} MB more); ` : ''}peak (VmHWM) ${result.rss.peakMb} MB.`,
    '',
    `Seeding (through admit's services, one process): ${result.seeding.map((rate) => `${rate.what} ${n(rate.count)} in ${rate.seconds} s (${n(rate.perSecond)}/s)`).join('; ')}.`,
    '',
    ...result.notes.map((note) => `- ${note}`),
  ];
  return lines.join('\n');
}
