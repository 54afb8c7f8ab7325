import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { reapOnExit } from '../harness/child-process.ts';
import type { Credentials } from '../load/sign-in-steps.ts';

/** A file of bench/peers/ (the templates). */
export const peerFile = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Fills `{{NAME}}` placeholders; one left unfilled is an error, not a silent blank. */
export function fillTemplate(text: string, values: Record<string, string>): string {
  const filled = text.replace(/\{\{([A-Z_]+)\}\}/g, (whole, name: string) => (name in values ? values[name]! : whole));
  const left = /\{\{([A-Z_]+)\}\}/.exec(filled);
  if (left) throw new Error(`template value ${left[1]} was not given`);
  return filled;
}

/** A template of bench/peers/ written, filled in, to `to` (the run's temporary directory). */
export function writeTemplate(template: string, to: string, values: Record<string, string>, mode = 0o600): void {
  writeFileSync(to, fillTemplate(readFileSync(peerFile(template), 'utf8'), values), { mode });
}

/** The same template as JSON, each string value filled in (JSON-escaped by construction). */
export function jsonTemplate(template: string, values: Record<string, string>): unknown {
  const fill = (value: unknown): unknown => {
    if (typeof value === 'string') return fillTemplate(value, values);
    if (Array.isArray(value)) return value.map(fill);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, fill(inner)]));
    return value;
  };
  return fill(JSON.parse(readFileSync(peerFile(template), 'utf8')));
}

/** A process the bench started, stopped by its pid at the end (SIGTERM, then SIGKILL), and killed if the harness exits first. */
export function startProcess(command: string, args: string[], options: { env?: Record<string, string>; cwd?: string; logFile?: string } = {}) {
  let output = '';
  const child: ChildProcess = spawn(command, args, { env: { ...process.env, ...options.env }, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  // The last 4,000 characters for error messages; everything in `logFile` (in the run's directory) when given.
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
    if (options.logFile) appendFileSync(options.logFile, chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = reapOnExit(child);
  return {
    pid: child.pid ?? 0,
    output: () => output,
    running: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
export type PeerProcess = ReturnType<typeof startProcess>;

/** Waits until `url` answers with any HTTP status (the server is listening), or throws with what the process printed. */
export async function waitForHttp(url: string, process: PeerProcess, what: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(url, { redirect: 'manual' }).then((r) => r.arrayBuffer());
      return;
    } catch {
      if (!process.running()) throw new Error(`${what} exited before it answered:\n${process.output()}`);
      if (Date.now() > until) throw new Error(`${what} did not answer ${url} in time:\n${process.output()}`);
      await sleep(200);
    }
  }
}

/** VmRSS of processes, summed, in MiB. */
export function residentMiB(pids: readonly number[]): number {
  let kib = 0;
  for (const pid of pids) {
    try {
      kib += Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // Gone.
    }
  }
  return kib / 1024;
}

/** A cookie jar for the set-up requests (name=value pairs of Set-Cookie). */
export function cookieJar() {
  const cookies = new Map<string, string>();
  return {
    take(response: Response) {
      for (const line of response.headers.getSetCookie()) {
        const pair = line.split(';', 1)[0] ?? '';
        const at = pair.indexOf('=');
        if (at > 0) cookies.set(pair.slice(0, at), pair.slice(at + 1));
      }
    },
    header: () => [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
  };
}

/** The peers' local users: the same names and passwords for both (the peers keep their own hashes). */
export const peerLocalUsers = (count: number): Credentials[] =>
  Array.from({ length: count }, (_, i) => ({ username: `peer-${i}`, password: `Bench-Passw0rd-${i}!` }));
