import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { storePlans } from '../../bench/harness/plans.ts';
import { parseArgs } from '../../bench/lib/args.ts';
import { cpuMicrosPerOp, parseStatTicks } from '../../bench/lib/proc-stat.ts';
import { type BenchResult, benchResultSchema, type OperationResult, toResultJson } from '../../bench/lib/result.ts';
import { inverseRatios, latency, median, pairRatios, percentile, spread } from '../../bench/lib/stats.ts';
import { type ClosedRunRecord, compareSides, latencyRates, overCapacity, summariseOpenRuns, summariseSide } from '../../bench/lib/summarise.ts';
import { formatOperationsTable, formatReport, formatSpread } from '../../bench/lib/table.ts';
import { memoryTarget, operationTarget } from '../../bench/lib/targets.ts';
import { oneTimePool, roundRobinPool } from '../../bench/load/pool.ts';
import { location, newContext, storeCookies } from '../../bench/load/script.ts';
import { admitLoginPage, devInteractionsLoginPage, takeCode } from '../../bench/load/sign-in-steps.ts';
import { keyId, keyKind } from '../../bench/memory/redis-keys.ts';
import { collectIds, renameIds } from '../../bench/memory/replicate.ts';

/** The benchmark's pure parts; the benchmark itself runs with `npm run bench`, never in `npm test`. */

// A real /proc/<pid>/stat line, with a command name holding spaces and a ')'.
const STAT =
  '4242 (node (x) y) S 1 4242 4242 0 -1 4194304 5233 0 0 0 1234 567 0 0 20 0 11 0 9000 1000000 20000 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0';

describe('bench: /proc/<pid>/stat', () => {
  it('reads utime + stime after the last ")" of the command name', () => {
    assert.equal(parseStatTicks(STAT), 1234 + 567);
  });

  it('refuses a line that is not a stat line', () => {
    assert.throws(() => parseStatTicks('no parenthesis here'), /not a \/proc/);
    assert.throws(() => parseStatTicks('1 (x) S 1 2 3'), /not integers/);
  });

  it('turns a tick delta into CPU microseconds per operation', () => {
    assert.equal(cpuMicrosPerOp({ ticks: 100, at: 0 }, { ticks: 150, at: 1000 }, 1000, 100), 500);
    assert.ok(Number.isNaN(cpuMicrosPerOp({ ticks: 0, at: 0 }, { ticks: 1, at: 1 }, 0, 100)));
  });
});

describe('bench: statistics', () => {
  it('takes medians of odd and even lists without reordering the input', () => {
    const values = [5, 1, 3];
    assert.equal(median(values), 3);
    assert.deepEqual(values, [5, 1, 3]);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });

  it('gives a median with its range, ignoring values that are not finite', () => {
    assert.deepEqual(spread([0.9, 0.8, Number.NaN, 1.1]), { median: 0.9, min: 0.8, max: 1.1 });
    assert.ok(Number.isNaN(spread([]).median));
  });

  it('uses nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(values, 50), 50);
    assert.equal(percentile(values, 99), 99);
    assert.equal(percentile([7], 99), 7);
    assert.deepEqual(latency([3, 1, 2]), { p50: 2, p90: 3, p99: 3, samples: 3 });
  });

  it('takes ratios pair by pair, skipping pairs with a missing or zero baseline', () => {
    assert.deepEqual(pairRatios([90, 80, 100], [100, 100, 100]), { median: 0.9, min: 0.8, max: 1 });
    assert.deepEqual(pairRatios([90, 80], [0, 100]), { median: 0.8, min: 0.8, max: 0.8 });
    // Costs: baseline / admit, so "≥ 1" still means "admit is no worse".
    assert.equal(inverseRatios([200], [100]).median, 0.5);
  });
});

const run = (pair: number, rate: number, ticks: number, completed = 1000): ClosedRunRecord => ({
  pair,
  rate,
  completed,
  failed: 0,
  durationMs: 1000,
  cpuTicks: { server: ticks, store: ticks / 10 },
});

describe('bench: summaries', () => {
  it('reduces closed runs to rates and CPU per operation', () => {
    const side = summariseSide([run(1, 900, 30), run(2, 1000, 20), run(3, 800, 40)], 100);
    assert.deepEqual(side.rate, { median: 900, min: 800, max: 1000 });
    assert.equal(side.cpuUsPerOp.median, 300); // 30 ticks = 0.3 s over 1000 operations
    assert.equal(side.storeCpuUsPerOp.median, 30);
    assert.equal(side.failed, 0);
  });

  it('compares admit and baseline by pair', () => {
    const admit = summariseSide([run(1, 900, 30), run(2, 800, 30)], 100);
    const baseline = summariseSide([run(1, 1000, 20), run(2, 1000, 20)], 100);
    const { ratio, cpuRatio } = compareSides(admit, baseline);
    assert.ok(Math.abs(ratio.median - 0.85) < 1e-9);
    assert.deepEqual([ratio.min, ratio.max], [0.8, 0.9]);
    assert.ok(Math.abs(cpuRatio.median - 2 / 3) < 1e-9);
  });

  it('pools open-model samples and keeps the worst generator lag', () => {
    const side = summariseOpenRuns([
      { latenciesMs: [1, 2], achievedRate: 10, dropped: 0, failed: 1, lagP99Ms: 0.5 },
      { latenciesMs: [3, 4], achievedRate: 12, dropped: 2, failed: 0, lagP99Ms: 2 },
    ]);
    assert.equal(side.latency.samples, 4);
    assert.equal(side.latency.p99, 4);
    assert.equal(side.achievedRate, 11);
    assert.equal(side.dropped, 2);
    assert.equal(side.failed, 1);
    assert.equal(side.generatorLagP99Ms, 2);
  });

  it('places latency points at fractions of a saturated rate, and not above what admit sustains', () => {
    assert.deepEqual(latencyRates(1000, [0.5, 0.8]), [
      { fraction: 0.5, rate: 500 },
      { fraction: 0.8, rate: 800 },
    ]);
    assert.deepEqual(latencyRates(Number.NaN, [0.5]), []);
    assert.equal(overCapacity(800, 1000), false);
    assert.equal(overCapacity(960, 1000), true);
    assert.equal(overCapacity(10, Number.NaN), true);
  });
});

function operation(overrides: Partial<OperationResult> = {}): OperationResult {
  const side = summariseSide([run(1, 900, 30), run(2, 1000, 20)], 100);
  const baseline = summariseSide([run(1, 1000, 20), run(2, 1000, 20)], 100);
  return {
    op: 'cc-opaque',
    label: 'client_credentials (opaque)',
    store: 'redis',
    unit: 'requests',
    notes: [],
    admit: side,
    baseline,
    ...compareSides(side, baseline),
    latency: [
      {
        fraction: 0.5,
        of: 'baseline',
        rate: 500,
        admit: { status: 'measured', latency: { p50: 1, p90: 2, p99: 3, samples: 100 }, achievedRate: 500, dropped: 0, failed: 0, generatorLagP99Ms: 1 },
        baseline: { status: 'measured', latency: { p50: 1, p90: 1.5, p99: 2, samples: 100 }, achievedRate: 500, dropped: 0, failed: 0, generatorLagP99Ms: 1 },
      },
    ],
    ...overrides,
  };
}

describe('bench: targets', () => {
  it('judges ratio targets on the median ratio', () => {
    assert.deepEqual(operationTarget(operation()), { text: '≥ 0.9 × baseline', met: true, detail: 'median ratio 0.95' });
    assert.equal(operationTarget(operation({ op: 'userinfo', ratio: { median: 0.8, min: 0.7, max: 0.9 } }))?.met, false);
    // The client-credentials target is set on Redis only.
    assert.equal(operationTarget(operation({ store: 'sqlite' })), undefined);
    assert.equal(operationTarget(operation({ ratio: null }))?.met, null);
  });

  it("judges the argon2id sign-in on its rate and its p99 at 70 % of admit's saturation", () => {
    const signIn = (rate: number, p99: number) =>
      operation({
        op: 'signin-argon2',
        unit: 'sign-ins',
        admit: { ...operation().admit!, rate: { median: rate, min: rate, max: rate } },
        latency: [
          {
            fraction: 0.7,
            of: 'admit',
            rate: rate * 0.7,
            admit: { status: 'measured', latency: { p50: 1, p90: 2, p99, samples: 50 }, achievedRate: 1, dropped: 0, failed: 0, generatorLagP99Ms: 0 },
          },
        ],
      });
    assert.equal(operationTarget(signIn(120, 80))?.met, true);
    assert.equal(operationTarget(signIn(60, 80))?.met, false);
    assert.equal(operationTarget(signIn(120, 150))?.met, false);
  });

  it('judges memory per session against 4 KB', () => {
    assert.equal(memoryTarget(4000).met, true);
    assert.equal(memoryTarget(5000).met, false);
  });
});

function result(): BenchResult {
  return {
    schema: 'admit-bench/1',
    mode: 'quick',
    startedAt: '2026-01-01T00:00:00.000Z',
    durationSeconds: 90,
    machine: {
      nproc: 2,
      cpuModel: 'Test CPU',
      node: 'v24.0.0',
      os: 'Linux',
      memoryGiB: 8,
      loadAverageAtStart: [0.1, 0.2, 0.3],
      loadAverageAtEnd: [0.2, 0.2, 0.3],
      uvThreadpoolSize: 'default (4)',
    },
    settings: {},
    operations: [operation()],
    memory: null,
    threadpool: null,
    notes: ['a note'],
  };
}

describe('bench: result file and report', () => {
  it('writes JSON that matches the result schema, NaN as null', () => {
    const withNaN = result();
    withNaN.operations[0]!.baseline.storeCpuUsPerOp = { median: Number.NaN, min: Number.NaN, max: Number.NaN };
    const parsed = benchResultSchema.parse(JSON.parse(toResultJson(withNaN)));
    assert.equal(parsed.operations[0]!.baseline.storeCpuUsPerOp.median, null);
  });

  it('refuses to write a result of the wrong shape, naming the field', () => {
    const broken = { ...result(), machine: { ...result().machine, nproc: 'two' } };
    assert.throws(() => toResultJson(broken), /machine\.nproc/);
  });

  it('prints one Markdown row per operation, with ratio, rates, CPU, latency and target', () => {
    const judged = operation();
    judged.target = operationTarget(judged);
    const table = formatOperationsTable([judged]);
    const row = table.split('\n')[2]!;
    // CPU cost first (the primary ratio on a shared machine), then throughput.
    assert.match(row, /^\| client_credentials \(opaque\) \| redis \| 0\.83 \(0\.67–1\.00\) \| 0\.95 \(0\.90–1\.00\) \|/);
    assert.match(row, /1\.0 \/ 2\.0 \/ 3\.0 · 1\.0 \/ 1\.5 \/ 2\.0/);
    assert.ok(row.includes('| 0.83 (0.67–1.00) |'), 'the CPU-cost ratio, baseline / admit');
    assert.match(row, /≥ 0\.9 × baseline: met/);
    assert.equal(formatSpread(null), '—');
    assert.match(formatReport(result()), /machine: 2 × Test CPU/);
  });

  it('says "not supported" and "over capacity" instead of numbers', () => {
    const row = formatOperationsTable([
      operation({
        admit: null,
        ratio: null,
        latency: [{ fraction: 0.5, of: 'baseline', rate: 500, admit: { status: 'over capacity', capacity: 300 } }],
      }),
    ]).split('\n')[2]!;
    assert.match(row, /not supported/);
    assert.match(row, /over capacity \(max 300\/s\)/);
  });
});

describe('bench: options and plans', () => {
  it('parses the command line and refuses unknown options and operations', () => {
    assert.deepEqual(parseArgs(['--quick', '--only=code,refresh', '--no-memory']).only, ['code', 'refresh']);
    assert.equal(parseArgs([]).quick, false);
    assert.throws(() => parseArgs(['--only=nope']), /unknown operation nope/);
    assert.throws(() => parseArgs(['--fast']), /unknown option --fast/);
    assert.throws(() => parseArgs(['--stores=mysql']), /--stores/);
  });

  it('runs Redis only in quick mode, both stores in full mode, and leaves LDAP out when it is missing', () => {
    assert.deepEqual(
      storePlans({ quick: true, ldap: true }).map((plan) => plan.store),
      ['redis'],
    );
    const full = storePlans({ quick: false, ldap: false });
    assert.deepEqual(
      full.map((plan) => plan.store),
      ['redis', 'sqlite'],
    );
    assert.ok(!full[0]!.ops.includes('signin-ldap'));
    assert.ok(storePlans({ quick: false, ldap: true })[0]!.ops.includes('signin-ldap'));
    assert.deepEqual(full[1]!.plan.fractions, [], 'SQLite: throughput and CPU only');
  });
});

describe('bench: memory helpers', () => {
  it('names a key by its namespace, without prefix and id', () => {
    assert.equal(keyKind('mem:oidc:Session:{abc}', 'mem:'), 'oidc:Session');
    assert.equal(keyKind('mem:oidc:AuthorizationCode:{abc}:consumed', 'mem:'), 'oidc:AuthorizationCode:consumed');
    assert.equal(keyKind('mem:signing-keys', 'mem:'), 'signing-keys');
    assert.equal(keyId('mem:oidc:Grant:{g1}'), 'g1');
  });

  it("renames a session's ids consistently across its records", () => {
    const records = [
      {
        id: 'session-id-1',
        payload: { uid: 'uid-00000001', accountId: 'account-0001', authorizations: { rp: { grantId: 'grant-000001', sid: 'sid-00000001' } } },
      },
      { id: 'token-id-001', payload: { grantId: 'grant-000001', clientId: 'bench-rp', scope: 'openid' } },
    ];
    const ids = collectIds(records);
    assert.deepEqual([...ids].sort(), ['account-0001', 'grant-000001', 'session-id-1', 'sid-00000001', 'token-id-001', 'uid-00000001']);
    const mapping = new Map([...ids].map((id) => [id, id.toUpperCase()]));
    const renamed = JSON.parse(renameIds(JSON.stringify(records), mapping));
    assert.equal(renamed[1].payload.grantId, 'GRANT-000001');
    assert.equal(renamed[0].payload.authorizations.rp.grantId, 'GRANT-000001');
    assert.equal(renamed[1].payload.clientId, 'bench-rp', 'not an id: unchanged');
  });
});

describe('bench: load scripts', () => {
  it('keeps cookies from Set-Cookie and drops expired ones', () => {
    const context = newContext();
    storeCookies(context, { status: 200, body: '', headers: { 'set-cookie': ['a=1; path=/; httponly', 'b=2'] } });
    storeCookies(context, { status: 200, body: '', headers: { 'set-cookie': ['a=; expires=Thu, 01 Jan 1970 00:00:00 GMT'] } });
    assert.deepEqual(context.cookies, { b: '2' });
  });

  it("reads admit's and devInteractions' sign-in forms", () => {
    const admit = '<form method="post" action="/interaction/abc/login" novalidate>\n<input type="hidden" name="_csrf" value="tok">';
    assert.deepEqual(admitLoginPage.read(admit, ''), { action: '/interaction/abc/login', hidden: { _csrf: 'tok' } });
    const dev = '<form autocomplete="off" action="&#x2F;interaction&#x2F;xyz" method="post">';
    assert.deepEqual(devInteractionsLoginPage.read(dev, ''), { action: '/interaction/xyz', hidden: { prompt: 'login' } });
    assert.equal(admitLoginPage.read('<p>no form</p>', ''), undefined);
  });

  it('takes the code from the redirect back only when the state matches', () => {
    const context = newContext();
    context.vars.state = 's1';
    const redirect = (query: string) => ({ status: 303, body: '', headers: { location: `http://127.0.0.1:9/callback?${query}` } });
    assert.equal(takeCode(redirect('code=c1&state=other'), context), false);
    assert.equal(takeCode(redirect('code=c1&state=s1'), context), true);
    assert.equal(context.vars.code, 'c1');
    assert.equal(location({ status: 303, body: '', headers: { location: '/interaction/u1' } })?.pathname, '/interaction/u1');
  });

  it('hands out one-time items once and reusable ones in turn', () => {
    const once = oneTimePool(['a', 'b']);
    assert.deepEqual([once.take(), once.take(), once.take()], ['a', 'b', undefined]);
    const again = roundRobinPool(['a', 'b']);
    assert.deepEqual([again.take(), again.take(), again.take()], ['a', 'b', 'a']);
  });
});
