import type { MemoryResult, OperationResult, Target } from './result.ts';

/**
 * Issue #8's targets, checked against a result. `met` is null where the
 * target cannot be judged (admit does not support the operation).
 */
const RATIO_TARGETS: Record<string, number> = {
  'cc-opaque': 0.9,
  code: 0.85,
  refresh: 0.85,
  userinfo: 0.85,
  introspection: 0.85,
  'signin-protocol': 0.8,
};

export const SIGN_IN_RATE_TARGET = 100;
export const SIGN_IN_P99_TARGET_MS = 100;
export const SESSION_BYTES_TARGET = 4096;

const fmt = (value: number | null | undefined, digits = 2) =>
  value === null || value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits);

export function operationTarget(result: Omit<OperationResult, 'target'>): Target | undefined {
  const wanted = RATIO_TARGETS[result.op];
  // The client-credentials target is set on Redis; the others hold on every store.
  if (wanted !== undefined && !(result.op === 'cc-opaque' && result.store !== 'redis')) {
    const median = result.ratio?.median ?? null;
    return {
      text: `≥ ${wanted} × baseline`,
      met: median === null || !Number.isFinite(median) ? null : median >= wanted,
      detail: `median ratio ${fmt(median)}`,
    };
  }
  if (result.op === 'signin-argon2' && result.store === 'redis') {
    const rate = result.admit?.rate.median ?? Number.NaN;
    const at70 = result.latency.find((point) => point.of === 'admit' && point.fraction === 0.7)?.admit;
    const p99 = at70?.status === 'measured' ? (at70.latency.p99 ?? Number.NaN) : Number.NaN;
    const met = Number.isFinite(rate) && Number.isFinite(p99) ? rate >= SIGN_IN_RATE_TARGET && p99 < SIGN_IN_P99_TARGET_MS : null;
    return {
      text: `≥ ${SIGN_IN_RATE_TARGET} sign-ins/s, p99 < ${SIGN_IN_P99_TARGET_MS} ms at 70 %`,
      met,
      detail: `${fmt(rate, 0)} sign-ins/s, p99 ${fmt(p99, 1)} ms at 70 % of admit's saturation`,
    };
  }
  return undefined;
}

export function memoryTarget(bytesPerSession: number): Target {
  return {
    text: `≤ ${SESSION_BYTES_TARGET / 1024} KB Redis per active session`,
    met: Number.isFinite(bytesPerSession) ? bytesPerSession <= SESSION_BYTES_TARGET : null,
    detail: `${fmt(bytesPerSession, 0)} bytes per session`,
  };
}

export type { MemoryResult };
