import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { createStore } from '../../src/store/create-store.ts';
import type { Store } from '../../src/store/port.ts';
import { type RunningAdmit, startAdmit, TEST_SECRET } from '../support/admit-server.ts';
import { freePort } from '../support/free-port.ts';
import { type RoundRobinProxy, startRoundRobinProxy } from './round-robin-proxy.ts';

export const RP_SECRET = 'multi-instance-rp-secret-0123456789-abc';
export const RP_CALLBACK = 'http://127.0.0.1:9/callback';
const KEY_PREFIX = 'admit-multi:';

/** One admit instance: in this process (composeAdmit) or a process of its own (node src/main.ts). */
export interface Instance {
  port: number;
  /** Its own loopback URL, past the proxy. */
  direct: string;
  kind: 'in-process' | 'process';
  stop(): Promise<void>;
  /** Stops and starts again on the same port and store (a process: SIGTERM, then a new process). */
  restart(): Promise<void>;
}

export interface Cluster {
  proxy: RoundRobinProxy;
  instances: Instance[];
  /** A store connection of the test's own (seeding users, reading what the instances wrote). */
  store: Store;
  /** An in-process instance, for helpers that want composeAdmit's parts (its store, its issuer is the proxy's). */
  inProcess: RunningAdmit;
  /** `admit <args…>` (bin/admit.js) against the same config and store, in a child process. */
  cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

/**
 * Several admit instances on one store behind a round-robin proxy whose URL
 * is everyone's issuer. `processes` of them (the last ones) run as separate
 * `node src/main.ts` processes; the first always runs in this process.
 * `storeUrl` is a redis:// URL (with `redisCluster`: a Redis Cluster's seed
 * nodes), or omitted for one SQLite file they all open.
 */
export async function startCluster(options: {
  count: number;
  processes?: number;
  storeUrl?: string;
  redisCluster?: { host: string; port: number }[];
  config?: Record<string, unknown>;
}): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'admit-multi-'));
  const storeUrl = options.storeUrl ?? `sqlite:${join(dir, 'admit.db')}`;
  const proxy = await startRoundRobinProxy();
  const config = {
    store: { url: storeUrl, redis: { keyPrefix: KEY_PREFIX, ...(options.redisCluster ? { cluster: options.redisCluster } : {}) } },
    sites: [{ id: 'DEMO', displayName: 'Demo site', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false }, mfa: { required: false } }],
    clients: [
      {
        client_id: 'rp',
        client_secret: RP_SECRET,
        first_party: true,
        redirect_uris: [RP_CALLBACK],
        grant_types: ['authorization_code', 'refresh_token'],
      },
    ],
    ...options.config,
  };
  const configFile = join(dir, 'admit.yaml');
  // JSON is YAML: the processes and the CLI read the same settings as the in-process instances.
  writeFileSync(configFile, JSON.stringify({ ...config, server: { allowLoopbackRequests: true }, logging: { level: 'warn' } }));
  const env = { ...process.env, ADMIT_CONFIG: configFile, ADMIT_STORE: storeUrl, ADMIT_SECRET: TEST_SECRET, ADMIT_ISSUER: proxy.url, NODE_ENV: 'test' };

  const instances: Instance[] = [];
  const first = await startAdmit({ store: storeUrl, issuer: proxy.url, dataDir: dir, config });
  instances.push({ port: first.port, direct: `http://127.0.0.1:${first.port}`, kind: 'in-process', stop: () => first.stop(), restart: () => first.restart() });
  const processes = options.processes ?? 0;
  for (let i = 1; i < options.count; i += 1) {
    if (i >= options.count - processes) instances.push(await startProcess(env));
    else {
      const running = await startAdmit({ store: storeUrl, issuer: proxy.url, dataDir: dir, config });
      instances.push({
        port: running.port,
        direct: `http://127.0.0.1:${running.port}`,
        kind: 'in-process',
        stop: () => running.stop(),
        restart: () => running.restart(),
      });
    }
  }
  proxy.upstreams.push(...instances.map((instance) => instance.port));
  const store = await createStore(storeUrl, { keyPrefix: KEY_PREFIX, commandTimeoutMs: 5000, connectTimeoutMs: 5000, cluster: options.redisCluster });
  const run = promisify(execFile);
  return {
    proxy,
    instances,
    store,
    inProcess: first,
    async cli(...args) {
      try {
        const { stdout, stderr } = await run(process.execPath, ['bin/admit.js', ...args], { env, encoding: 'utf8', timeout: 60_000 });
        return { code: 0, stdout, stderr };
      } catch (error) {
        const failed = error as { code?: number; stdout?: string; stderr?: string };
        return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
      }
    },
    async stop() {
      await Promise.all(instances.map((instance) => instance.stop()));
      await store.close();
      await proxy.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `node src/main.ts` on a free port, ready once /healthz answers. */
async function startProcess(env: NodeJS.ProcessEnv): Promise<Instance> {
  const port = await freePort();
  let current = await launch(env, port);
  return {
    port,
    direct: `http://127.0.0.1:${port}`,
    kind: 'process',
    stop: () => current.stop(),
    async restart() {
      await current.stop();
      current = await launch(env, port);
    },
  };
}

async function launch(env: NodeJS.ProcessEnv, port: number): Promise<{ stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, ['src/main.ts'], { env: { ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      kill();
      throw new Error(`admit (node src/main.ts) did not start on port ${port}:\n${stderr}`);
    }
    await sleep(100);
  }
  return {
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      process.removeListener('exit', kill);
    },
  };
}
