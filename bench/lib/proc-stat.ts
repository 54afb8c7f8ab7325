import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

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

/** The machine's CPU counters from /proc/stat's first line (all cores, clock ticks). */
export interface SystemCpu {
  total: number;
  idle: number;
  steal: number;
}

/**
 * The aggregate `cpu` line of /proc/stat: user nice system idle iowait irq
 * softirq steal (guest and guest_nice are already inside user and nice, so
 * they are not added again).
 */
export function parseSystemCpu(text: string): SystemCpu {
  const line = text.split('\n').find((row) => row.startsWith('cpu '));
  if (!line) throw new Error('not /proc/stat: no aggregate "cpu " line');
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  return { total: user + nice + system + idle + iowait + irq + softirq + steal, idle: idle + iowait, steal };
}

export const readSystemCpu = (): SystemCpu => parseSystemCpu(readFileSync('/proc/stat', 'utf8'));

/** Share (0..1) of all cores' time between two samples that the hypervisor gave to others (steal) and that was busy. */
export function systemShares(before: SystemCpu, after: SystemCpu): { steal: number; busy: number } {
  const total = after.total - before.total;
  if (total <= 0) return { steal: Number.NaN, busy: Number.NaN };
  return { steal: (after.steal - before.steal) / total, busy: 1 - (after.idle - before.idle) / total };
}

/** The parent pid of a /proc/<pid>/stat line (field 4, counted from the last ')'). */
export function parseStatParent(line: string): number {
  const close = line.lastIndexOf(')');
  return Number(
    line
      .slice(close + 1)
      .trim()
      .split(/\s+/)[1],
  );
}

/**
 * A process and every descendant running now (a peer's nginx master and
 * workers, a FastCGI server and its children): their CPU is the server's.
 */
export function processTree(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const parent = parseStatParent(readFileSync(`/proc/${name}/stat`, 'utf8'));
      parents.set(parent, [...(parents.get(parent) ?? []), Number(name)]);
    } catch {
      // The process ended while the list was read.
    }
  }
  const tree: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    tree.push(pid);
    queue.push(...(parents.get(pid) ?? []));
  }
  return tree;
}
