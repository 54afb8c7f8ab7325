import type { BenchResult, LatencyPoint, OperationResult, Spread, Target } from './result.ts';

/** The report as Markdown tables: printed at the end of a run, and what the README quotes. */

const isNum = (value: number | null | undefined): value is number => typeof value === 'number' && Number.isFinite(value);
const fixed = (value: number | null | undefined, digits: number) => (isNum(value) ? value.toFixed(digits) : '—');
const whole = (value: number | null | undefined) => (isNum(value) ? Math.round(value).toLocaleString('en-US') : '—');

export function formatSpread(value: Spread | null | undefined): string {
  if (!value || !isNum(value.median)) return '—';
  return `${value.median.toFixed(2)} (${fixed(value.min, 2)}–${fixed(value.max, 2)})`;
}

function formatSide(side: LatencyPoint['admit']): string {
  if (!side) return '—';
  if (side.status === 'not supported') return 'not supported';
  if (side.status === 'over capacity') return `over capacity (max ${whole(side.capacity)}/s)`;
  const { p50, p90, p99 } = side.latency;
  const shortfall = side.dropped > 0 || side.failed > 0 ? ` [${side.dropped} dropped, ${side.failed} failed]` : '';
  return `${fixed(p50, 1)} / ${fixed(p90, 1)} / ${fixed(p99, 1)}${shortfall}`;
}

function formatPoint(point: LatencyPoint | undefined): string {
  if (!point) return '—';
  return `${formatSide(point.admit)} · ${formatSide(point.baseline)}`;
}

export function formatTarget(target: Target | undefined): string {
  if (!target) return '—';
  const verdict = target.met === null ? 'n/a' : target.met ? 'met' : '**missed**';
  return `${target.text}: ${verdict}`;
}

function operationRow(op: OperationResult): string {
  const at = (fraction: number) => op.latency.find((point) => point.of === 'baseline' && point.fraction === fraction);
  const cells = [
    op.label,
    op.store,
    op.admit ? formatSpread(op.ratio) : 'not supported',
    op.admit ? formatSpread(op.cpuRatio) : '—',
    op.admit ? whole(op.admit.rate.median) : '—',
    whole(op.baseline.rate.median),
    `${whole(op.admit?.cpuUsPerOp.median)} / ${whole(op.baseline.cpuUsPerOp.median)}`,
    `${fixed(op.admit?.storeCommandsPerOp.median, 1)} / ${fixed(op.baseline.storeCommandsPerOp.median, 1)}`,
    formatPoint(at(0.5)),
    formatPoint(at(0.8)),
    formatTarget(op.target),
  ];
  return `| ${cells.join(' | ')} |`;
}

export function formatOperationsTable(operations: readonly OperationResult[]): string {
  const header = [
    '| Operation | Store | throughput admit / baseline (median, range) | CPU cost baseline / admit (median, range) | admit /s | baseline /s | server CPU µs/op (admit / baseline) | Redis commands/op (admit / baseline) | p50 / p90 / p99 ms at 50 % (admit · baseline) | … at 80 % | Target |',
    '| --- | --- | --- | --- | ---: | ---: | ---: | ---: | --- | --- | --- |',
  ];
  return [...header, ...operations.map(operationRow)].join('\n');
}

export function formatSignInLatencyTable(operations: readonly OperationResult[]): string {
  const rows = operations.flatMap((op) =>
    op.latency
      .filter((point) => point.of === 'admit')
      .map((point) => `| ${op.label} | ${op.store} | ${Math.round(point.fraction * 100)} % = ${whole(point.rate)}/s | ${formatSide(point.admit)} |`),
  );
  if (rows.length === 0) return '';
  return [
    "| Sign-in (whole flow, authorize → code exchange) | Store | rate (of admit's saturation) | p50 / p90 / p99 ms |",
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

export function formatReport(result: BenchResult): string {
  const { machine } = result;
  const lines = [
    `admit benchmark (${result.mode}), ${result.startedAt}, ${Math.round(result.durationSeconds)} s`,
    `machine: ${machine.nproc} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.os}, load average at start ${machine.loadAverageAtStart.join(' ')} and end ${machine.loadAverageAtEnd.join(' ')}, UV_THREADPOOL_SIZE ${machine.uvThreadpoolSize}`,
    '',
    formatOperationsTable(result.operations),
  ];
  const signIns = formatSignInLatencyTable(result.operations);
  if (signIns) lines.push('', signIns);
  if (result.memory) {
    const m = result.memory;
    lines.push(
      '',
      `Memory (${m.sessions.toLocaleString('en-US')} active sessions): ${whole(m.redisBytesPerSession)} bytes of Redis per session` +
        ` (${whole(m.redisBytesPerSessionMeasuredOverHttp)} measured over ${m.httpSignIns} real sign-ins, transient code included);` +
        ` Node heap ${whole(m.heapBytesPerSession)} bytes per session after GC. ${formatTarget(m.target)}.`,
    );
    const describe = (c: (typeof m.comprises)[number]) => `${c.kind} ${whole(c.bytes)} B${c.ttlSeconds === null ? '' : ` (TTL ${whole(c.ttlSeconds)} s)`}`;
    lines.push(
      `A session is the oidc-provider state one sign-in leaves, through admit's adapter: ${m.comprises
        .filter((c) => c.counted)
        .map(describe)
        .join(', ')} (MEMORY USAGE per key).`,
    );
    const transient = m.comprises.filter((c) => !c.counted);
    if (transient.length > 0) lines.push(`Also written by a sign-in, not counted as session state: ${transient.map(describe).join(', ')}.`);
  }
  if (result.threadpool) {
    lines.push(
      '',
      `argon2id sign-in by UV_THREADPOOL_SIZE: ${result.threadpool.map((t) => `${t.size}: ${whole(t.rate)}/s, p99 ${fixed(t.latency?.p99, 1)} ms`).join('; ')}`,
    );
  }
  if (result.notes.length > 0) lines.push('', ...result.notes.map((note) => `- ${note}`));
  return lines.join('\n');
}
