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
    op.admit ? formatSpread(op.cpuRatio) : 'not supported',
    op.admit ? formatSpread(op.ratio) : '—',
    op.admit ? whole(op.admit.rate.median) : '—',
    whole(op.baseline.rate.median),
    `${whole(op.admit?.cpuUsPerOp.median)} / ${whole(op.baseline.cpuUsPerOp.median)}`,
    `${fixed(op.admit?.storeCommandsPerOp.median, 1)} / ${fixed(op.baseline.storeCommandsPerOp.median, 1)}`,
    formatPoint(at(0.5)),
    formatPoint(at(0.8)),
    formatTarget(op.target),
    formatSettling(op),
  ];
  return `| ${cells.join(' | ')} |`;
}

/** Pairs run, and "noisy" naming the ratio whose middle half did not come within ± 0.05 of its median. */
export function formatSettling(op: OperationResult): string {
  const settling = op.settling;
  if (!settling) return '—';
  const unsettled = [...(settling.cpu ? [] : ['CPU']), ...(settling.throughput ? [] : ['throughput'])];
  return unsettled.length === 0 ? `${settling.pairs}` : `${settling.pairs}, **noisy** (${unsettled.join(', ')})`;
}

/** Load average and steal over an operation's pairs, so a reader sees what the machine was doing meanwhile. */
export function formatConditions(op: OperationResult): string {
  const pairs = op.conditions ?? [];
  if (pairs.length === 0) return '—';
  const loads = pairs.flatMap((p) => [p.loadAverageAtStart, p.loadAverageAtEnd]);
  const steals = pairs.map((p) => p.stealPercent).filter(isNum);
  const busy = pairs.map((p) => p.busyPercent).filter(isNum);
  return `load ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}, steal ≤ ${steals.length ? Math.max(...steals).toFixed(1) : '—'} %, busy ${busy.length ? Math.min(...busy).toFixed(0) : '—'}–${busy.length ? Math.max(...busy).toFixed(0) : '—'} %`;
}

/** Whether every operation's ratios settled; the report's first line says "noisy" otherwise. */
export function runVerdict(operations: readonly OperationResult[]): string {
  const judged = operations.filter((op) => op.settling && op.admit);
  const noisy = judged.filter((op) => !op.settling!.cpu || !op.settling!.throughput);
  if (judged.length === 0) return '';
  return noisy.length === 0
    ? `settled: every ratio's middle half within ± ${judged[0]!.settling!.within} of its median`
    : `**noisy**: ${noisy.length} of ${judged.length} operations' ratios did not settle within ± ${judged[0]!.settling!.within} in ${Math.max(...noisy.map((op) => op.settling!.pairs))} pairs (${noisy.map((op) => `${op.label} ${op.store}`).join(', ')})`;
}

const peerCell = (op: OperationResult, kind: string) => {
  const peer = op.peers?.find((p) => p.kind === kind);
  if (!peer) return '—';
  if (!peer.side) return peer.unsupported ?? 'not measured';
  const failed = peer.side.failed > 0 ? ` [${peer.side.failed} failed]` : '';
  return `${whole(peer.side.rate.median)} (${whole(peer.side.cpuUsPerOp.median)})${failed}`;
};

/** admit, the baseline and the peers side by side, for the operations the peers were run on: rate/s (CPU µs per operation). */
export function formatPeersTable(operations: readonly OperationResult[]): string {
  const withPeers = operations.filter((op) => op.peers && op.peers.length > 0);
  if (withPeers.length === 0) return '';
  const kinds = [...new Map(withPeers.flatMap((op) => op.peers!.map((p) => [p.kind, p.label] as const))).entries()];
  const header = [
    `| Operation | Store | admit /s (CPU µs/op) | baseline /s (CPU µs/op) | ${kinds.map(([, label]) => `${label} /s (CPU µs/op)`).join(' | ')} |`,
    `| --- | --- | ---: | ---: | ${kinds.map(() => '---:').join(' | ')} |`,
  ];
  const rows = withPeers.map((op) => {
    const side = (s: OperationResult['baseline'] | null) => (s ? `${whole(s.rate.median)} (${whole(s.cpuUsPerOp.median)})` : 'not supported');
    return `| ${op.label} | ${op.store} | ${side(op.admit)} | ${side(op.baseline)} | ${kinds.map(([kind]) => peerCell(op, kind)).join(' | ')} |`;
  });
  return [...header, ...rows].join('\n');
}

export function formatOperationsTable(operations: readonly OperationResult[]): string {
  const header = [
    '| Operation | Store | CPU cost baseline / admit (median, range) | throughput admit / baseline (median, range) | admit /s | baseline /s | server CPU µs/op (admit / baseline) | Redis commands/op (admit / baseline) | p50 / p90 / p99 ms at 50 % (admit · baseline) | … at 80 % | Target | pairs |',
    '| --- | --- | --- | --- | ---: | ---: | ---: | ---: | --- | --- | --- | --- |',
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
  ];
  const verdict = runVerdict(result.operations);
  if (verdict) lines.push(`run: ${verdict}`);
  lines.push('', formatOperationsTable(result.operations));
  const conditions = result.operations.filter((op) => op.conditions?.length);
  if (conditions.length > 0) {
    lines.push(
      '',
      '| Operation | Store | machine during its pairs (1-min load average, steal, all-core busy) |',
      '| --- | --- | --- |',
      ...conditions.map((op) => `| ${op.label} | ${op.store} | ${formatConditions(op)} |`),
    );
  }
  const peers = formatPeersTable(result.operations);
  if (peers) lines.push('', 'Peers, in the same pairs (A B C D …, same load generator, CPU of all their processes from /proc):', '', peers);
  if (result.peerMemory?.length) {
    lines.push(
      '',
      `Memory side by side (VmRSS of all of each server's processes), idle → after the sign-in runs: ${result.peerMemory
        .map(
          (m) =>
            `${m.label} ${fixed(m.idleMiB, 1)} → ${fixed(m.afterSignInsMiB, 1)} MiB after ${m.signIns.toLocaleString('en-US')} timed sign-ins${m.note ? ` (${m.note})` : ''}`,
        )
        .join('; ')}.`,
    );
  }
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
