import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../test/support/free-port.ts';
import { benchPath, startNodeChild } from '../harness/child-process.ts';
import { BENCH_SECRET } from '../harness/servers.ts';
import { describeMachine, loadAverage } from '../lib/machine.ts';
import { percentile } from '../lib/stats.ts';
import { scaleConfig } from './config.ts';
import { signInToConsole } from './console.ts';
import { connectInspector, type HeapAfterGc } from './inspector.ts';
import { queuePageUrl, REQUEST_ROW, rssOf, type Timing, timeExport, timePage, USER_ROW } from './measure.ts';
import { SEARCHES } from './people.ts';
import { checksOf, formatScaleReport, type ScaleResult } from './report.ts';
import { AUDIT_DAYS, type ConsoleAdmin, type SeedCounts, type SeedRate, seedScale } from './seed.ts';

export const SCALE_COUNTS: Record<'100k' | '1m', SeedCounts> = {
  '100k': { accounts: 100_000, pending: 10_000, audit: 100_000 },
  '1m': { accounts: 1_000_000, pending: 10_000, audit: 1_000_000 },
};

/** Node flags admit's process runs with in the benchmark (as bin/admit.js and the Dockerfile start it). */
export const ADMIT_NODE_FLAGS: string[] = ['--max-semi-space-size=4', '--heap-growing-percent=50'];

/** What a kept store (--scale-data) holds: seed.json next to admit.db. */
interface Seeded {
  admin: ConsoleAdmin;
  rates: SeedRate[];
  counts: SeedCounts;
  seededAt: string;
}

const strip = ({ times: _times, ...timing }: Timing) => timing;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * `npm run bench -- --scale[=100k|1m]` (bench/README.md "Scale"): seeds a
 * SQLite store through admit's services, starts admit on it as a child (as
 * the main benchmark does), signs in to the console as the seeded admin and
 * measures user search, the approval queue, the audit exports and admit's
 * RSS over HTTP; writes bench/results/<date>-scale[-quick].json + .md.
 */
export async function runScale(options: {
  mode: '100k' | '1m';
  out?: string;
  logLevel: string;
  cpuProfDir?: string;
  dataDir?: string;
  /** Audit entries to seed instead of the mode's (--scale-audit). */
  audit?: number;
  rounds?: number;
  nodeFlags?: string[];
  log: (line: string) => void;
}): Promise<ScaleResult> {
  const { mode, log } = options;
  const counts = { ...SCALE_COUNTS[mode], ...(options.audit !== undefined ? { audit: options.audit } : {}) };
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const machine = describeMachine(process.env.UV_THREADPOOL_SIZE);
  // --scale-data=<dir>: the seeded store is kept there and reused by the next run (seed.json says what it holds).
  const dir = options.dataDir ? resolve(options.dataDir) : mkdtempSync(join(tmpdir(), 'admit-scale-'));
  if (options.dataDir) mkdirSync(dir, { recursive: true });
  try {
    const port = await freePort();
    const storeUrl = `sqlite:${join(dir, 'admit.db')}`;
    const config = scaleConfig({ port, keyPrefix: 'scale:', logLevel: options.logLevel });
    const seedFile = join(dir, 'seed.json');
    let seeded: Seeded;
    if (options.dataDir && existsSync(seedFile)) {
      seeded = JSON.parse(readFileSync(seedFile, 'utf8')) as Seeded;
      if (JSON.stringify(seeded.counts) !== JSON.stringify(counts))
        throw new Error(`${dir} holds a ${JSON.stringify(seeded.counts)} seeding, not ${mode}'s; use another --scale-data directory`);
      log(`scale ${mode}: reusing the store seeded at ${seeded.seededAt} in ${storeUrl}`);
    } else {
      log(
        `scale ${mode}: seeding ${counts.accounts.toLocaleString('en')} accounts, ${counts.pending.toLocaleString('en')} pending requests, ${counts.audit.toLocaleString('en')} audit entries into ${storeUrl}`,
      );
      const seededAt = new Date().toISOString();
      // A kept store records each finished phase (seed-progress.json): a seeding killed midway resumes after the last one.
      const progressFile = join(dir, 'seed-progress.json');
      const done = options.dataDir && existsSync(progressFile) ? (JSON.parse(readFileSync(progressFile, 'utf8')) as { rates: SeedRate[] }).rates : [];
      const onPhase = options.dataDir ? (rates: SeedRate[]) => writeFileSync(progressFile, `${JSON.stringify({ rates }, null, 2)}\n`) : undefined;
      seeded = { ...(await seedScale({ config, storeUrl, masterSecret: BENCH_SECRET, counts, concurrency: 16, log, done, onPhase })), counts, seededAt };
      if (options.dataDir) writeFileSync(seedFile, `${JSON.stringify(seeded, null, 2)}\n`);
    }

    const configPath = join(dir, 'admit.yaml');
    writeFileSync(configPath, JSON.stringify(config, null, 2));
    // --scale-rounds=n: admit's inspector is opened, and after each round a full GC is forced and process.memoryUsage() read in admit.
    const heapProbe = options.rounds !== undefined;
    const inspectPort = heapProbe ? await freePort() : 0;
    const nodeFlags = [
      ...(options.nodeFlags ?? ADMIT_NODE_FLAGS),
      ...(options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : []),
      ...(heapProbe ? [`--inspect=127.0.0.1:${inspectPort}`] : []),
    ];
    const admit = await startNodeChild({
      script: benchPath('servers/admit.ts'),
      nodeFlags,
      env: { NODE_ENV: 'production', ADMIT_CONFIG: configPath, ADMIT_STORE: storeUrl, ADMIT_SECRET: BENCH_SECRET, PORT: String(port) },
      readyTimeoutMs: 120_000,
    });
    const origin = `http://127.0.0.1:${port}`;
    const inspector = heapProbe ? await connectInspector(inspectPort) : undefined;
    try {
      // A kept store: its admin's authenticator code is accepted once per 30-second step, so a run right after another waits for the next step.
      const stepFile = join(dir, 'totp-step');
      const step = () => Math.floor(Date.now() / 30_000);
      if (options.dataDir && existsSync(stepFile) && Number(readFileSync(stepFile, 'utf8')) >= step())
        await new Promise((resolve) => setTimeout(resolve, 30_000 - (Date.now() % 30_000) + 200));
      const browser = await signInToConsole(origin, seeded.admin);
      if (options.dataDir) writeFileSync(stepFile, String(step()));
      // Idle: started, one console page served (the sign-in lands on Users), then left alone.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const idle = rssOf(admit.pid);
      log(`admit idle: ${idle.rssMb} MB RSS`);
      const heap: ({ round: number } & HeapAfterGc)[] = [];
      const probe = async (round: number) => {
        if (!inspector) return;
        const after = { round, ...(await inspector.heapAfterGc()) };
        heap.push(after);
        log(
          `admit after a forced GC (round ${round}): RSS ${after.rssMb} MB, heapUsed ${after.heapUsedMb} MB, heapTotal ${after.heapTotalMb} MB, external ${after.externalMb} MB, arrayBuffers ${after.arrayBuffersMb} MB; before it heapUsed ${after.beforeGc.heapUsedMb} MB, heapTotal ${after.beforeGc.heapTotalMb} MB (${Object.entries(
            after.beforeGc.spacesMb,
          )
            .map(([space, size]) => `${space} ${size}`)
            .join(', ')})`,
        );
        if (process.env.BENCH_HEAP_SNAPSHOTS) {
          const file = join(process.env.BENCH_HEAP_SNAPSHOTS, `admit-round-${round}.heapsnapshot`);
          await inspector.takeHeapSnapshot(file);
          log(`heap snapshot: ${file}`);
        }
      };
      await probe(0);

      const samples = mode === '1m' ? 100 : 60;
      const queries: Timing[] = [];
      for (const search of SEARCHES) {
        const query = new URLSearchParams({ q: search.q, ...(search.field ? { field: search.field } : {}) });
        const timing = await timePage(browser, search.label, `${origin}/admin/users?${query}`, { samples, warmup: 3, rowMarker: USER_ROW });
        log(`search ${search.label}: ${timing.rows} rows, p50 ${timing.p50Ms} ms, p99 ${timing.p99Ms} ms`);
        queries.push(timing);
      }
      const all = queries.flatMap((timing) => timing.times ?? []);
      const pooled = {
        label: `every query pooled (${SEARCHES.length} × ${samples})`,
        samples: all.length,
        p50Ms: Math.round(percentile(all, 50) * 10) / 10,
        p99Ms: Math.round(percentile(all, 99) * 10) / 10,
        maxMs: Math.round(Math.max(...all) * 10) / 10,
        rows: 0,
      };

      const queue: Timing[] = [];
      queue.push(await timePage(browser, 'first page (oldest 50 waiting)', `${origin}/admin/approvals`, { samples, warmup: 3, rowMarker: REQUEST_ROW }));
      const laterPage = Math.max(2, Math.min(40, Math.floor(counts.pending / 50)));
      queue.push(
        await timePage(browser, `page ${laterPage} (by the Next links' cursor)`, await queuePageUrl(browser, origin, laterPage), {
          samples,
          warmup: 3,
          rowMarker: REQUEST_ROW,
        }),
      );
      for (const timing of queue) log(`queue ${timing.label}: ${timing.rows} rows, p50 ${timing.p50Ms} ms, p99 ${timing.p99Ms} ms`);

      // Every seeded entry: the export's filter is the seeded days.
      const exportQuery = new URLSearchParams({ from: dayOf(Date.parse(seeded.seededAt) - AUDIT_DAYS * 86_400_000), to: dayOf(Date.now()) }).toString();
      const exports = [];
      for (const format of ['csv', 'jsonl'] as const) {
        const run = await timeExport(browser, origin, format, exportQuery);
        log(`export ${format}: ${run.rows.toLocaleString('en')} rows in ${run.seconds} s (${run.rowsPerSecond.toLocaleString('en')} rows/s)`);
        exports.push(run);
      }
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const after = rssOf(admit.pid);
      log(`admit after: ${after.rssMb} MB RSS (anonymous ${after.anonMb}, file ${after.fileMb}), peak ${after.peakMb} MB`);
      // Left idle longer: V8's memory reducer collects and shrinks the heap some seconds after the allocation stops.
      const settled: { afterSeconds: number; rssMb: number; anonMb: number }[] = [];
      for (const afterSeconds of [10, 20, 30]) {
        await new Promise((resolve) => setTimeout(resolve, (afterSeconds - (settled.at(-1)?.afterSeconds ?? 3)) * 1000));
        const now = rssOf(admit.pid);
        settled.push({ afterSeconds, rssMb: now.rssMb, anonMb: now.anonMb });
        log(`admit ${afterSeconds} s after: ${now.rssMb} MB RSS (anonymous ${now.anonMb})`);
      }
      await probe(1);
      // The same work again: growth that stops here is warm-up (heap, caches), growth that goes on is a leak.
      const rounds = Math.max(2, options.rounds ?? 2);
      const later: { round: number; rssMb: number; anonMb: number; csvRowsPerSecond: number; jsonlRowsPerSecond: number }[] = [];
      let again = after;
      for (let round = 2; round <= rounds; round += 1) {
        for (const search of SEARCHES) {
          const query = new URLSearchParams({ q: search.q, ...(search.field ? { field: search.field } : {}) });
          await timePage(browser, search.label, `${origin}/admin/users?${query}`, { samples: 20, warmup: 0, rowMarker: USER_ROW });
        }
        const rates: Record<string, number> = {};
        for (const format of ['csv', 'jsonl'] as const) rates[format] = (await timeExport(browser, origin, format, exportQuery)).rowsPerSecond;
        await new Promise((resolve) => setTimeout(resolve, 3000));
        again = rssOf(admit.pid);
        later.push({ round, rssMb: again.rssMb, anonMb: again.anonMb, csvRowsPerSecond: rates.csv!, jsonlRowsPerSecond: rates.jsonl! });
        log(`admit after round ${round}: ${again.rssMb} MB RSS (anonymous ${again.anonMb}), exports ${rates.csv} / ${rates.jsonl} rows/s`);
        await probe(round);
      }
      const delta = (a: number, b: number) => Math.round((a - b) * 10) / 10;
      const rss = {
        idleMb: idle.rssMb,
        afterMb: after.rssMb,
        growthMb: delta(after.rssMb, idle.rssMb),
        peakMb: again.peakMb,
        idle,
        after,
        settled,
        settledGrowthMb: delta(settled.at(-1)!.rssMb, idle.rssMb),
        afterSecondRound: again,
        secondRoundGrowthMb: delta(again.rssMb, after.rssMb),
        ...(rounds > 2 ? { rounds: later } : {}),
        ...(heap.length ? { heapAfterGc: heap } : {}),
      };
      log(
        `admit after ${rounds - 1} more round(s): ${again.rssMb} MB RSS (${rss.secondRoundGrowthMb >= 0 ? '+' : ''}${rss.secondRoundGrowthMb} MB), peak ${again.peakMb} MB`,
      );

      const partial = { search: { pooled, queries: queries.map(strip) }, rss, exports };
      const result: ScaleResult = {
        schema: 'admit-bench-scale/1',
        mode,
        startedAt,
        durationSeconds: Math.round((performance.now() - started) / 1000),
        machine: { ...machine, loadAverageAtEnd: loadAverage(), otherProcessesNote: process.env.BENCH_MACHINE_NOTE ?? '' },
        store: 'sqlite',
        counts,
        seeding: seeded.rates,
        ...(nodeFlags.length ? { admitNodeFlags: nodeFlags } : {}),
        ...partial,
        queue: queue.map(strip),
        checks: checksOf(partial),
        notes: [
          `The store is one SQLite file (WAL) in a temporary directory; admit runs as a child (bench/servers/admit.ts, NODE_ENV=production, log level ${options.logLevel} to /dev/null), the measuring client in the harness process on the same machine.`,
          'Pages are timed from the request to the last byte of the HTML, one request at a time, after 3 untimed requests each; the export from the request to the last byte, lines counted as they arrive.',
          `Search queries are prefixes of the seeded people's user names, emails, names and email domains (bench/scale/people.ts), in one field or in every field; 50 rows a page. The admin administers every site (${counts.accounts.toLocaleString('en')} accounts over 4 sites).`,
          'RSS growth is VmRSS after every measurement (and 3 s idle) minus VmRSS 3 s after the console sign-in, before any search.',
        ],
      };
      const report = formatScaleReport(result);
      const outFile = options.out ?? benchPath(`results/${startedAt.slice(0, 10)}-scale${mode === '100k' ? '-quick' : ''}.json`);
      mkdirSync(join(outFile, '..'), { recursive: true });
      writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
      writeFileSync(outFile.replace(/\.json$/, '.md'), `${report}\n`);
      process.stdout.write(`\n${report}\n\nwritten: ${outFile}\n`);
      return result;
    } finally {
      inspector?.close();
      await admit.stop();
    }
  } finally {
    if (!options.dataDir) rmSync(dir, { recursive: true, force: true });
  }
}
