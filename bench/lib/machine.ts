import { availableParallelism, cpus, loadavg, release, totalmem, type } from 'node:os';
import type { Machine } from './result.ts';

export const loadAverage = () => loadavg().map((value) => Math.round(value * 100) / 100);

/** What the numbers were measured on (loadAverageAtEnd is filled in when the run ends). */
export function describeMachine(threadpoolSize: string | undefined): Machine {
  return {
    nproc: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    os: `${type()} ${release()}`,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: loadAverage(),
    loadAverageAtEnd: [],
    uvThreadpoolSize: threadpoolSize ?? 'default (4)',
  };
}
