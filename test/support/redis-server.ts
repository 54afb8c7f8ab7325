import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.ts';

const REDIS_SERVER = '/usr/bin/redis-server';

export interface RedisServerOptions {
  /** Append-only file in the temp dir, so restart() keeps the data. */
  persist?: boolean;
  /** A one-node Redis Cluster owning every slot: enough to get CROSSSLOT errors. */
  cluster?: boolean;
}

export interface RunningRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** SIGKILL: a crash, no shutdown save. */
  kill(): void;
  /** Stops (cleanly, if still running) and starts again on the same port and dir. */
  restart(): Promise<void>;
  /** SIGSTOP / SIGCONT: the server keeps accepting TCP but never answers. */
  pause(): void;
  resume(): void;
}

const running = new Set<ChildProcess>();
// A failed or interrupted test run must not leave servers behind.
const killAll = () => {
  for (const child of running) child.kill('SIGKILL');
};
process.once('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killAll();
    process.kill(process.pid, signal);
  });
}

/** Starts a throwaway redis-server bound to 127.0.0.1 only. */
export async function startRedis(options: RedisServerOptions = {}): Promise<RunningRedis> {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(`${REDIS_SERVER} is missing: run npm test, which installs it`);
  }
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'admit-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--protected-mode',
    'yes',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    options.persist ? 'yes' : 'no',
    // A lone node does not know its own address; without the announce CLUSTER SLOTS says "".
    ...(options.cluster ? ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'), '--cluster-announce-ip', '127.0.0.1'] : []),
  ];
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  async function launch(): Promise<void> {
    const proc = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    proc.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    proc.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    running.add(proc);
    child = proc;
    exited = new Promise((resolve) =>
      proc.once('exit', () => {
        running.delete(proc);
        resolve();
      }),
    );
    const deadline = Date.now() + 10_000;
    while ((await command(port, 'PING').catch(() => '')) !== '+PONG') {
      if (proc.exitCode !== null || Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(`redis-server did not start on 127.0.0.1:${port}:\n${output}`);
      }
      await sleep(50);
    }
    if (options.cluster) await claimAllSlots(port);
  }

  async function halt(signal: NodeJS.Signals): Promise<void> {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT');
      child.kill(signal);
    }
    await exited;
  }

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      await halt('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
    kill() {
      child?.kill('SIGKILL');
    },
    async restart() {
      await halt('SIGTERM');
      await launch();
    },
    pause() {
      child?.kill('SIGSTOP');
    },
    resume() {
      child?.kill('SIGCONT');
    },
  };
}

/** A Redis Sentinel on 127.0.0.1 watching `master` under the group name `name`. */
export async function startSentinel(master: RunningRedis, name = 'admit-master'): Promise<{ port: number; stop(): Promise<void> }> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'admit-sentinel-'));
  // Sentinel rewrites its config file, so it must be a real, writable file.
  const config = join(dir, 'sentinel.conf');
  await writeFile(
    config,
    [`port ${port}`, 'bind 127.0.0.1', 'protected-mode yes', `dir ${dir}`, `sentinel monitor ${name} 127.0.0.1 ${master.port} 1`, ''].join('\n'),
  );
  const proc = spawn(REDIS_SERVER, [config, '--sentinel'], { stdio: 'ignore' });
  running.add(proc);
  const exited = new Promise<void>((resolve) =>
    proc.once('exit', () => {
      running.delete(proc);
      resolve();
    }),
  );
  const deadline = Date.now() + 10_000;
  while (!(await command(port, `SENTINEL get-master-addr-by-name ${name}`).catch(() => '')).includes(String(master.port))) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`redis sentinel did not start on 127.0.0.1:${port}`);
    }
    await sleep(50);
  }
  return {
    port,
    async stop() {
      proc.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function claimAllSlots(port: number): Promise<void> {
  const info = await command(port, 'CLUSTER INFO');
  if (!info.includes('cluster_state:ok')) await command(port, 'CLUSTER ADDSLOTSRANGE 0 16383');
  const deadline = Date.now() + 10_000;
  while (!(await command(port, 'CLUSTER INFO')).includes('cluster_state:ok')) {
    if (Date.now() > deadline) throw new Error(`cluster on port ${port} did not become ok`);
    await sleep(50);
  }
}

/** One inline command over a raw socket; resolves with the whole reply text. */
function command(port: number, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (error?: Error) => {
      socket.destroy();
      if (error) reject(error);
      else resolve(reply.trimEnd());
    };
    socket.setTimeout(1000, () => done(new Error('timeout')));
    socket.once('error', done);
    socket.once('connect', () => socket.write(`${line}\r\n`));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      // A bulk reply ("$<n>\r\n<n bytes>\r\n") is complete once its length arrived.
      const bulk = /^\$(\d+)\r\n/.exec(reply);
      if (!bulk || Buffer.byteLength(reply) >= bulk[0].length + Number(bulk[1]) + 2) done();
    });
  });
}
