import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const benchPath = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

export interface NodeChild {
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Forks a Node script of the benchmark (same Node binary as the harness) with
 * IPC, waits for its `{ ready: true }` message, and gives a way to stop it.
 * Its output goes to /dev/null unless `inheritOutput`: the servers' request
 * logs are part of their cost, not of the report.
 */
export async function startNodeChild(options: {
  script: string;
  args?: string[];
  env?: Record<string, string>;
  nodeFlags?: string[];
  inheritOutput?: boolean;
  /** Resolve at once instead of waiting for `{ ready: true }`. */
  noReadyMessage?: boolean;
  readyTimeoutMs?: number;
}): Promise<NodeChild> {
  const child = fork(options.script, options.args ?? [], {
    env: { ...process.env, ...options.env },
    execArgv: options.nodeFlags ?? [],
    stdio: ['ignore', options.inheritOutput ? 'inherit' : 'ignore', options.inheritOutput ? 'inherit' : 'pipe', 'ipc'],
  });
  let errorOutput = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errorOutput = (errorOutput + chunk.toString()).slice(-4000);
  });
  const exited = reapOnExit(child);
  if (!options.noReadyMessage) {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${options.script} did not start in time:\n${errorOutput}`)), options.readyTimeoutMs ?? 30_000);
      child.on('message', (message: { ready?: boolean }) => {
        if (message?.ready) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${options.script} exited with ${code} before it was ready:\n${errorOutput}`));
      });
    });
  }
  return {
    pid: child.pid ?? 0,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * A child killed (SIGKILL) if the harness exits first — a harness that fails
 * or is interrupted must not leave servers behind; resolves when it exits.
 */
export function reapOnExit(child: ChildProcess): Promise<void> {
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  return new Promise<void>((resolve) =>
    child.once('exit', () => {
      process.off('exit', killOnExit);
      resolve();
    }),
  );
}
