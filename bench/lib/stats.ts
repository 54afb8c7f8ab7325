/** The small statistics the report needs: medians, ranges, percentiles, ratios. Pure functions. */

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Median with its range; NaN everywhere for no values. */
export function spread(values: readonly number[]): Spread {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite) };
}

/**
 * The nearest-rank percentile (p in 0..100) of unsorted samples: the
 * smallest value with at least p % of the samples at or below it.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface Latency {
  p50: number;
  p90: number;
  p99: number;
  samples: number;
}

export function latency(values: readonly number[]): Latency {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!);
  return { p50: at(50), p90: at(90), p99: at(99), samples: sorted.length };
}

/**
 * admit/baseline per pair (runs taken back to back), summarised as a median
 * and range. Pairs where either side is missing or zero are left out.
 */
export function pairRatios(admit: readonly number[], baseline: readonly number[]): Spread {
  const ratios: number[] = [];
  for (let i = 0; i < Math.min(admit.length, baseline.length); i += 1) {
    const a = admit[i]!;
    const b = baseline[i]!;
    if (Number.isFinite(a) && Number.isFinite(b) && b > 0) ratios.push(a / b);
  }
  return spread(ratios);
}

/** For costs (CPU per operation) lower is better: the baseline/admit ratio keeps "≥ 1 is as good". */
export function inverseRatios(admit: readonly number[], baseline: readonly number[]): Spread {
  return pairRatios(baseline, admit);
}

/**
 * Whether repeated pair ratios have settled: the middle half of them (the
 * nearest-rank quartiles) lies within ± `within` of their median. Unlike the
 * min–max range, this can narrow as pairs are added, so one disturbed pair
 * on a shared machine does not keep a run going to its cap. With 3 or 4
 * values the quartiles are the extremes.
 */
export function settled(values: readonly number[], within: number): boolean {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return true;
  const mid = median(finite);
  return percentile(finite, 75) - mid <= within + 1e-9 && mid - percentile(finite, 25) <= within + 1e-9;
}
