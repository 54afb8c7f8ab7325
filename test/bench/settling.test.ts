import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { parseStatParent, parseSystemCpu, systemShares } from '../../bench/lib/proc-stat.ts';
import type { OperationResult } from '../../bench/lib/result.ts';
import { settled } from '../../bench/lib/stats.ts';
import { formatConditions, formatPeersTable, formatSettling, runVerdict } from '../../bench/lib/table.ts';

const side = (rate: number, cpu: number) => ({
  runs: [],
  rate: { median: rate, min: rate, max: rate },
  cpuUsPerOp: { median: cpu, min: cpu, max: cpu },
  storeCpuUsPerOp: { median: null, min: null, max: null },
  storeCommandsPerOp: { median: null, min: null, max: null },
  failed: 0,
});

function op(overrides: Partial<OperationResult> = {}): OperationResult {
  return {
    op: 'discovery',
    label: 'discovery',
    store: 'redis',
    unit: 'requests',
    notes: [],
    admit: side(9000, 40),
    baseline: side(4000, 110),
    ratio: { median: 2.2, min: 2.1, max: 2.3 },
    cpuRatio: { median: 2.7, min: 2.6, max: 2.8 },
    latency: [],
    ...overrides,
  } as OperationResult;
}

describe('bench: pairs until the ratios settle', () => {
  it('calls ratios settled when their middle half is within ± 0.05 of the median, so one disturbed pair among five does not count', () => {
    assert.equal(settled([1.0, 1.02, 0.98], 0.05), true);
    assert.equal(settled([1.0, 1.08, 0.98], 0.05), false, 'three pairs: the extremes are the quartiles');
    assert.equal(settled([1.0, 1.02, 0.98, 1.01, 1.6], 0.05), true, 'five pairs: the outlier is outside the middle half');
    assert.equal(settled([0.8, 1.0, 1.2, 0.9, 1.1], 0.05), false);
    assert.equal(settled([Number.NaN], 0.05), true, 'nothing to judge');
  });

  it('reads steal and busy shares from /proc/stat and the parent pid from /proc/<pid>/stat', () => {
    const before = parseSystemCpu('cpu  100 0 50 800 10 0 0 40 0 0\ncpu0 1 2 3\n');
    const after = parseSystemCpu('cpu  160 0 70 900 10 0 0 60 0 0\n');
    assert.deepEqual(before, { total: 1000, idle: 810, steal: 40 });
    const shares = systemShares(before, after);
    assert.equal(Math.round(shares.steal * 1000) / 1000, 0.1);
    assert.equal(Math.round(shares.busy * 1000) / 1000, 0.5);
    assert.equal(parseStatParent('42 (nginx: worker (x)) S 41 42 42 0 -1'), 41);
    assert.throws(() => parseSystemCpu('intr 1 2'), /no aggregate "cpu " line/);
  });

  it('marks an operation and the run noisy when a ratio did not settle, and shows the load and steal of its pairs', () => {
    const calm = op({ settling: { pairs: 3, within: 0.05, cpu: true, throughput: true } });
    const noisy = op({ label: 'JWKS', settling: { pairs: 5, within: 0.05, cpu: true, throughput: false } });
    assert.equal(formatSettling(calm), '3');
    assert.equal(formatSettling(noisy), '5, **noisy** (throughput)');
    assert.match(runVerdict([calm]), /^settled/);
    assert.match(runVerdict([calm, noisy]), /^\*\*noisy\*\*: 1 of 2 operations' ratios did not settle within ± 0\.05 in 5 pairs \(JWKS redis\)/);
    const withConditions = op({
      conditions: [
        { pair: 1, loadAverageAtStart: 2.5, loadAverageAtEnd: 3.1, stealPercent: 0.4, busyPercent: 97 },
        { pair: 2, loadAverageAtStart: 3.1, loadAverageAtEnd: 4.0, stealPercent: 1.2, busyPercent: 99 },
      ],
    });
    assert.equal(formatConditions(withConditions), 'load 2.5–4.0, steal ≤ 1.2 %, busy 97–99 %');
  });

  it("puts the peers' rates and CPU beside admit's, and says why a peer could not do an operation", () => {
    const table = formatPeersTable([
      op({
        peers: [
          { kind: 'glewlwyd', label: 'Glewlwyd 2.7.5', side: side(20000, 45) },
          { kind: 'lemonldap', label: 'LemonLDAP::NG 2.16', side: null, unsupported: 'no local store' },
        ],
      }),
    ]);
    const [header, , row] = table.split('\n');
    assert.match(header!, /Glewlwyd 2\.7\.5 \/s \(CPU µs\/op\) \| LemonLDAP::NG 2\.16 \/s/);
    assert.equal(row, '| discovery | redis | 9,000 (40) | 4,000 (110) | 20,000 (45) | no local store |');
    assert.equal(formatPeersTable([op()]), '');
  });
});
