import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** CPU time a process (all its threads) has used, from /proc/<pid>/stat. */
export interface CpuSample {
  /** utime + stime, in clock ticks. */
  ticks: number;
  /** When the sample was read (performance.now(), ms). */
  at: number;
}

/**
 * utime + stime of a /proc/<pid>/stat line. The command name (field 2) is in
 * parentheses and may itself hold spaces or ')', so fields are counted from
 * the last ')': after it come state (3), ppid (4) … utime (14), stime (15).
 */
export function parseStatTicks(line: string): number {
  const close = line.lastIndexOf(')');
  if (close < 0) throw new Error('not a /proc/<pid>/stat line: no ")" after the command name');
  const fields = line
    .slice(close + 1)
    .trim()
    .split(/\s+/);
  // fields[0] is field 3 (state), so field n is fields[n - 3].
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  if (!Number.isInteger(utime) || !Number.isInteger(stime)) throw new Error('not a /proc/<pid>/stat line: utime/stime are not integers');
  return utime + stime;
}

/** Clock ticks per second (USER_HZ), 100 on nearly every Linux; asked of getconf once. */
export function clockTicksPerSecond(): number {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
}

export function readCpu(pid: number): CpuSample {
  return { ticks: parseStatTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')), at: performance.now() };
}

/** CPU microseconds per operation between two samples. */
export function cpuMicrosPerOp(before: CpuSample, after: CpuSample, operations: number, ticksPerSecond: number): number {
  if (operations <= 0) return Number.NaN;
  return ((after.ticks - before.ticks) * 1_000_000) / ticksPerSecond / operations;
}

/** Share of one core the process used between the samples (1 = one core busy). */
export function coresUsed(before: CpuSample, after: CpuSample, ticksPerSecond: number): number {
  const seconds = (after.at - before.at) / 1000;
  return seconds > 0 ? (after.ticks - before.ticks) / ticksPerSecond / seconds : Number.NaN;
}
