import { readFileSync } from 'node:fs';
import { parseStatTicks } from '../lib/proc-stat.ts';
import type { FromGenerator, RunResult, RunSpec, ToGenerator } from '../load/messages.ts';
import type { SignInUsers } from '../load/operations.ts';
import { benchPath, type NodeChild, startNodeChild } from './child-process.ts';

export interface MeasuredRun {
  spec: RunSpec;
  result: RunResult;
  /** CPU ticks used during the timed phase, per watched process name. */
  cpuTicks: Record<string, number>;
  elapsedMs: number;
  /** Untimed preparation (pool building). */
  prepareMs: number;
  /** The counter's increase over the timed phase, when one was given. */
  counted?: number;
}

/** A process to count the CPU of, or a function listing a group of them as they are now. */
export type Watched = number | (() => readonly number[]);

interface TickSample {
  at: number;
  byPid: Map<number, number>;
}

function sampleTicks(watched: Watched): TickSample {
  const byPid = new Map<number, number>();
  for (const pid of typeof watched === 'number' ? [watched] : watched()) {
    try {
      byPid.set(pid, parseStatTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')));
    } catch {
      // Ended while the list was read.
    }
  }
  return { at: performance.now(), byPid };
}

/** Ticks used between two samples: a process started meanwhile counts from 0; one that ended meanwhile is lost (undercount). */
function ticksBetween(before: TickSample, after: TickSample): number {
  let ticks = 0;
  for (const [pid, now] of after.byPid) ticks += now - (before.byPid.get(pid) ?? 0);
  return ticks;
}

/**
 * The harness's side of the load generator: prepare a run (untimed), read the
 * watched processes' CPU counters, let it go, read them again when it is done.
 */
export async function startGenerator(users: SignInUsers, nodeFlags: string[] = []) {
  const child: NodeChild = await startNodeChild({ script: benchPath('load/generator.ts'), noReadyMessage: true, nodeFlags });
  const waiting = new Map<number, { resolve(message: FromGenerator): void; reject(error: Error): void }>();
  let nextId = 1;
  child.child.on('message', (message: FromGenerator) => {
    const waiter = waiting.get(message.id);
    waiting.delete(message.id);
    if (!waiter) return;
    if (message.type === 'failed') waiter.reject(new Error(message.message));
    else waiter.resolve(message);
  });
  child.child.once('exit', (code) => {
    for (const waiter of waiting.values()) waiter.reject(new Error(`the load generator exited (${code})`));
  });
  const tell = (message: ToGenerator) => child.child.send(message);
  const reply = (id: number) => new Promise<FromGenerator>((resolve, reject) => waiting.set(id, { resolve, reject }));
  tell({ type: 'configure', users });

  /**
   * `watch`: the processes whose CPU is counted, by name: one pid, or a
   * function listing a server's processes now (a peer's nginx and FastCGI
   * workers), read before and after. `counter`: an extra count read around
   * the timed phase (Redis's total commands processed).
   */
  async function run(spec: RunSpec, watch: Record<string, Watched>, counter?: () => Promise<number>): Promise<MeasuredRun> {
    const id = nextId++;
    const prepared = reply(id);
    tell({ type: 'prepare', id, spec });
    const ready = await prepared;
    const sample = () => Object.fromEntries(Object.entries(watch).map(([name, watched]) => [name, sampleTicks(watched)])) as Record<string, TickSample>;
    const countBefore = counter ? await counter() : undefined;
    const before = sample();
    const done = reply(id);
    tell({ type: 'go', id });
    const message = await done;
    const after = sample();
    const counted = counter && countBefore !== undefined ? (await counter()) - countBefore : undefined;
    if (message.type !== 'done') throw new Error(`unexpected answer ${message.type}`);
    const cpuTicks = Object.fromEntries(Object.keys(watch).map((name) => [name, ticksBetween(before[name]!, after[name]!)]));
    const started = Object.values(before)[0]?.at ?? 0;
    const ended = Object.values(after)[0]?.at ?? 0;
    const prepareMs = ready.type === 'prepared' ? ready.prepareMs : 0;
    return { spec, result: message.result, cpuTicks, elapsedMs: ended - started, prepareMs, ...(counted === undefined ? {} : { counted }) };
  }

  async function stop(): Promise<void> {
    if (child.child.connected) tell({ type: 'exit' });
    await child.stop();
  }

  return { run, stop, pid: child.pid };
}

export type Generator = Awaited<ReturnType<typeof startGenerator>>;
