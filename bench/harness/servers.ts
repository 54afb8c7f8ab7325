import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../test/support/free-port.ts';
import type { SignInUsers } from '../load/operations.ts';
import type { BaselineSpec } from '../servers/baseline.ts';
import { admitConfig } from './admit-config.ts';
import { benchPath, type NodeChild, startNodeChild } from './child-process.ts';
import { seedAdmitStore } from './seed.ts';
import { seedTotpUsers } from './seed-totp.ts';

export const BENCH_SECRET = 'bench-master-secret-0123456789-abcdefghijklmnop';

export interface RunningServer {
  kind: 'admit' | 'baseline';
  origin: string;
  pid: number;
  process: NodeChild;
}

export interface ServerPair {
  admit: RunningServer;
  baseline: RunningServer;
  users: SignInUsers;
  /** Why the argon2id sign-in runs without its TOTP step, if it does. */
  totpSkipped?: string;
  stop(): Promise<void>;
}

export interface ServerOptions {
  store: 'redis' | 'sqlite';
  redisUrl: string;
  dir: string;
  ldapDirectory?: Record<string, unknown>;
  ldapUsers: SignInUsers['ldap'];
  usersPerKind: number;
  /** Users with an authenticator app for the argon2id + TOTP sign-in (about rate × 30 s needed); 0: none. */
  totpUsers: number;
  /** Extra flags for the server processes (e.g. --cpu-prof). */
  nodeFlags: string[];
  /** Node flags for admit only (e.g. npm start's, bench/memory/idle-rss.ts --as-shipped). */
  admitNodeFlags?: string[];
  /** Environment for admit only (e.g. UV_THREADPOOL_SIZE). */
  admitEnv?: Record<string, string>;
  logLevel: string;
}

/**
 * admit and the baseline on the same kind of store: two SQLite files in the
 * run's directory, or one Redis server with a key prefix each. admit's store
 * is seeded first; the baseline gets admit's signing keys.
 */
export async function startServers(options: ServerOptions): Promise<ServerPair> {
  const [admitPort, baselinePort] = [await freePort(), await freePort()];
  // Each start gets fresh keys / files: a run may start servers more than once on one Redis.
  const tag = randomBytes(3).toString('hex');
  const storeUrl = (name: string) => (options.store === 'redis' ? options.redisUrl : `sqlite:${join(options.dir, `${name}-${tag}.db`)}`);
  const prefix = (name: string) => `bench-${name}-${options.store}-${tag}:`;

  const seeded = await seedAdmitStore({ storeUrl: storeUrl('admit'), keyPrefix: prefix('admit'), masterSecret: BENCH_SECRET, users: options.usersPerKind });

  let totp: SignInUsers['totp'] = [];
  let totpSkipped: string | undefined;
  if (options.totpUsers > 0) {
    try {
      const config = admitConfig({ port: admitPort, keyPrefix: prefix('admit'), logLevel: 'silent' });
      totp = await seedTotpUsers({ config, storeUrl: storeUrl('admit'), masterSecret: BENCH_SECRET, count: options.totpUsers });
    } catch (error) {
      totpSkipped = `enrolling authenticator apps through admit's MFA service failed: ${(error as Error).message.split('\n')[0]}`;
    }
  }

  const configPath = join(options.dir, `admit-${options.store}-${tag}.yaml`);
  writeFileSync(
    configPath,
    JSON.stringify(admitConfig({ port: admitPort, keyPrefix: prefix('admit'), ldapDirectory: options.ldapDirectory, logLevel: options.logLevel }), null, 2),
  );
  const admit = await startNodeChild({
    script: benchPath('servers/admit.ts'),
    nodeFlags: [...options.nodeFlags, ...(options.admitNodeFlags ?? [])],
    env: {
      NODE_ENV: 'production',
      ADMIT_CONFIG: configPath,
      ADMIT_STORE: storeUrl('admit'),
      ADMIT_SECRET: BENCH_SECRET,
      PORT: String(admitPort),
      ...options.admitEnv,
    },
  });

  const baselineSpecPath = join(options.dir, `baseline-${options.store}-${tag}.json`);
  const spec: BaselineSpec = {
    issuer: `http://127.0.0.1:${baselinePort}`,
    port: baselinePort,
    storeUrl: storeUrl('baseline'),
    keyPrefix: prefix('baseline'),
    keys: seeded.keys,
  };
  // Private keys: readable by this user only, and the directory is removed at the end.
  writeFileSync(baselineSpecPath, JSON.stringify(spec), { mode: 0o600 });
  const baseline = await startNodeChild({
    script: benchPath('servers/baseline.ts'),
    args: [baselineSpecPath],
    nodeFlags: options.nodeFlags,
    env: { NODE_ENV: 'production' },
  }).catch(async (error: unknown) => {
    await admit.stop();
    throw error;
  });

  return {
    admit: { kind: 'admit', origin: `http://127.0.0.1:${admitPort}`, pid: admit.pid, process: admit },
    baseline: { kind: 'baseline', origin: `http://127.0.0.1:${baselinePort}`, pid: baseline.pid, process: baseline },
    users: { ...seeded.users, totp, ldap: options.ldapUsers },
    ...(totpSkipped ? { totpSkipped } : {}),
    async stop() {
      await Promise.all([admit.stop(), baseline.stop()]);
    },
  };
}
