import type { MemoryResult } from '../lib/result.ts';
import { memoryTarget } from '../lib/targets.ts';
import { benchPath, startNodeChild } from './child-process.ts';

type Measured = Omit<MemoryResult, 'target'>;

/** Runs bench/memory/sessions.ts in its own process (it needs --expose-gc and its own Redis). */
export async function measureMemory(sessions: number, httpSignIns: number): Promise<MemoryResult> {
  const child = await startNodeChild({
    script: benchPath('memory/sessions.ts'),
    args: [String(sessions), String(httpSignIns)],
    nodeFlags: ['--expose-gc'],
    noReadyMessage: true,
  });
  const measured = await new Promise<Measured>((resolve, reject) => {
    child.child.once('message', (message: Measured) => resolve(message));
    child.child.once('exit', (code) => reject(new Error(`the memory measurement exited with ${code}`)));
  });
  await child.stop();
  return { ...measured, target: memoryTarget(measured.redisBytesPerSession) };
}
