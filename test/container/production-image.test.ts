import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { freePort } from '../support/free-port.ts';

/**
 * The container runs production, not the demo. No Docker engine here: the
 * Dockerfile is read as text (its base, user, health check, config path), and
 * what its CMD starts (`node src/main.ts` under NODE_ENV=production) is run
 * for real in a temporary directory.
 */

const repo = resolve(import.meta.dirname, '../..');
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'admit-image-'));
  made.push(dir);
  return dir;
}

/** The Dockerfile's instructions, continuation lines joined, comments left out. */
function instructions(): Array<{ op: string; args: string }> {
  const text = readFileSync(join(repo, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [op, ...rest] = line.split(/\s+/);
      return { op: op!.toUpperCase(), args: rest.join(' ') };
    });
}

/** ENV's key=value pairs (the form the Dockerfile uses). */
function imageEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of instructions().filter(({ op }) => op === 'ENV')) {
    for (const pair of args.split(/\s+/)) {
      const [key, value] = pair.split('=');
      if (key && value !== undefined) env[key] = value;
    }
  }
  return env;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node <script>` as the image runs it: the image's environment, cwd a temporary directory; killed after timeoutMs. */
function run(script: string, args: string[], env: Record<string, string>, options: { cwd: string; until?: (stdout: string) => boolean; timeoutMs?: number }) {
  const child = spawn(process.execPath, [join(repo, script), ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const exited = new Promise<Run>((done) => child.once('exit', (code) => done({ code, stdout, stderr })));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  void exited.then(() => clearTimeout(timer));
  const ready = new Promise<void>((done, fail) => {
    child.stdout.on('data', () => {
      if (options.until?.(stdout)) done();
    });
    void exited.then((result) => fail(new Error(`exited ${result.code} before it was ready:\n${result.stderr}`)));
  });
  ready.catch(() => {}); // awaited only by callers that wait for it
  return { child, exited, ready };
}

describe('the container image', () => {
  const steps = instructions();

  it('pins its base by version and digest, runs as a non-root user, keeps its health check', () => {
    const from = steps.filter(({ op }) => op === 'FROM');
    assert.equal(from.length, 1);
    assert.match(from[0]!.args, /^node:24\.\d+\.\d+-bookworm-slim@sha256:[0-9a-f]{64}$/);
    const pinned = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).devDependencies.node as string;
    assert.ok(from[0]!.args.startsWith(`node:${pinned}-`), `the image's Node is the one package.json pins (${pinned})`);
    const user = steps.filter(({ op }) => op === 'USER').at(-1);
    assert.ok(user && !/^(root|0)(:|$)/.test(user.args), `USER ${user?.args}`);
    assert.ok(steps.findIndex(({ op }) => op === 'USER') < steps.findIndex(({ op }) => op === 'CMD'));
    const health = steps.find(({ op }) => op === 'HEALTHCHECK');
    assert.ok(health, 'HEALTHCHECK');
    assert.match(health.args, /CMD .*\/healthz/);
    // The server starts as `npm start` starts it: node, the same V8 memory flags (README Operations), src/main.ts.
    const startScript = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts.start!;
    assert.deepEqual(JSON.parse(steps.find(({ op }) => op === 'CMD')!.args), startScript.split(/\s+/));
  });

  it('copies every directory admit loads or reads at run time', () => {
    const copied = steps.filter(({ op }) => op === 'COPY').map(({ args }) => args.split(/\s+/)[0]);
    // src/compose.ts reads views/, public/ and locales/ (root(...)); src imports plugins/ and locales/*.json; bin/ is the CLI.
    for (const dir of ['src', 'plugins', 'views', 'public', 'locales', 'bin']) assert.ok(copied.includes(dir), `the image lacks ${dir}/`);
  });

  it('runs production with the config the operator mounts, and leaves the demo config out', () => {
    const env = imageEnv();
    assert.equal(env.NODE_ENV, 'production');
    assert.equal(env.ADMIT_CONFIG, '/etc/admit/admit.yaml');
    const ignored = readFileSync(join(repo, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim());
    assert.ok(ignored.includes('config/default.yaml'), '.dockerignore leaves out config/default.yaml');
  });

  it('refuses to start without the mounted config, naming where it goes', async () => {
    const cwd = tempDir();
    const { exited } = run('src/main.ts', [], { ...imageEnv(), ADMIT_CONFIG: join(cwd, 'etc/admit/admit.yaml'), PORT: String(await freePort()) }, { cwd });
    const result = await exited;
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /cannot read the config file .*etc\/admit\/admit\.yaml \(ADMIT_CONFIG\).*in production mount your config there \(start from config\/production\.example\.yaml\)/,
    );
  });

  it('refuses the demo config in production, server and admin command alike, naming each setting', async () => {
    const cwd = tempDir();
    const env = { ...imageEnv(), ADMIT_CONFIG: join(repo, 'config/default.yaml'), PORT: String(await freePort()) };
    for (const [script, args] of [
      ['src/main.ts', []],
      ['bin/admit.js', ['keys', 'rotate']],
    ] as const) {
      const result = await run(script, [...args], env, { cwd }).exited;
      assert.equal(result.code, 1, `${script} exits 1`);
      assert.doesNotMatch(result.stdout, /admit is ready/);
      for (const setting of [
        /refusing to start with NODE_ENV=production/,
        /- demo: /,
        /- server\.allowLoopbackRequests: true/,
        /- secret: set the master secret/,
        /- clients\.0\.client_secret: is the example-rp client's secret/,
        /- server\.issuer: /,
      ]) {
        assert.match(result.stderr, setting, `${script}: ${setting}`);
      }
    }
  });

  it('serves production from config/production.example.yaml once it is filled in, and stops on SIGTERM', async () => {
    const cwd = tempDir();
    const port = await freePort();
    const configFile = join(cwd, 'admit.yaml');
    writeFileSync(
      configFile,
      readFileSync(join(repo, 'config/production.example.yaml'), 'utf8').replace(
        'REPLACE-ME-with-at-least-32-random-characters',
        'rp-Zt4nW8qLx2Vb7Kd9Hs3Jf6Mc1Pg5Ry0Ae',
      ),
    );
    const secretFile = join(cwd, 'admit_secret');
    writeFileSync(secretFile, 'ms-Qh7Lw2Xe9Tb4Nz6Kc1Vr8Jd3Fs5Gp0Uy\n', { mode: 0o600 });
    const issuer = `http://127.0.0.1:${port}`;
    const admit = run(
      'src/main.ts',
      [],
      { ...imageEnv(), ADMIT_CONFIG: configFile, ADMIT_SECRET_FILE: secretFile, ADMIT_ISSUER: issuer, PORT: String(port), ADMIT_LOG_LEVEL: 'warn' },
      { cwd, until: (out) => out.includes('admit is ready'), timeoutMs: 60_000 },
    );
    try {
      await admit.ready;
      const health = await fetch(`${issuer}/healthz`);
      assert.equal(health.status, 200);
      const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { issuer: string };
      assert.equal(discovery.issuer, issuer);
    } finally {
      admit.child.kill('SIGTERM');
    }
    const result = await admit.exited;
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout, /demo sign-in/);
  });
});
