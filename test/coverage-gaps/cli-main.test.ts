// bin/admit.js's entry, src/cli/main.ts, run in this process (the CLI tests
// spawn it, which coverage does not see): it reads argv and the environment
// at import and ends with process.exit, so each run re-imports it with those
// set and process.exit and the output streams captured.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, it, vi } from 'vitest';
import { TEST_SECRET } from '../support/admit-server.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const ENV_NAMES = ['ADMIT_CONFIG', 'ADMIT_STORE', 'ADMIT_SECRET'] as const;

describe('admit (src/cli/main.ts), in process', () => {
  let dir: string;
  const saved = { argv: process.argv, env: Object.fromEntries(ENV_NAMES.map((name) => [name, process.env[name]])) };

  async function admit(args: string[], env: Partial<Record<(typeof ENV_NAMES)[number], string>> = {}): Promise<Run> {
    const settings = { ADMIT_CONFIG: join(dir, 'admit.yaml'), ADMIT_STORE: `sqlite:${join(dir, 'admit.db')}`, ADMIT_SECRET: TEST_SECRET, ...env };
    for (const name of ENV_NAMES) process.env[name] = settings[name];
    process.argv = [process.execPath, 'bin/admit.js', ...args];
    let stdout = '';
    let stderr = '';
    const exited = new Promise<number>((resolve) => {
      vi.spyOn(process, 'exit').mockImplementation(((code?: number) => resolve(code ?? 0)) as never);
    });
    vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string) => {
      stdout += chunk;
      return true;
    }) as never);
    vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: string) => {
      stderr += chunk;
      return true;
    }) as never);
    try {
      vi.resetModules();
      await import('../../src/cli/main.ts');
      const code = await exited;
      return { code, stdout, stderr };
    } finally {
      vi.restoreAllMocks();
    }
  }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'admit-cli-main-'));
    writeFileSync(join(dir, 'admit.yaml'), 'sites:\n  - id: DEMO\n    displayName: Demo\n    directory: { kind: local }\n');
  });
  afterEach(() => {
    process.argv = saved.argv;
    for (const name of ENV_NAMES) {
      if (saved.env[name] === undefined) delete process.env[name];
      else process.env[name] = saved.env[name];
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the usage on stdout when asked, in each way of asking, and exits 0', async () => {
    for (const args of [[], ['--help'], ['-h'], ['help']]) {
      const run = await admit(args);
      assert.equal(run.code, 0, args.join(' '));
      assert.match(run.stdout, /^Usage: admit <command> \[options\]/);
      assert.match(run.stdout, /admit user add\s+add a user to a site's local directory/);
      assert.equal(run.stderr, '');
    }
  });

  it('names an unknown command on stderr, with the usage, and exits 2', async () => {
    const run = await admit(['user', 'remove', '--site', 'DEMO']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^admit: unknown command "user remove --site DEMO"\n\nUsage: admit/);
    assert.equal(run.stdout, '');
  });

  it("refuses an unknown option with the command's help, and exits 2", async () => {
    const run = await admit(['user', 'add', '--colour', 'blue']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^admit user add: .*--colour/);
    assert.match(run.stderr, /Usage: admit user add --site <SITE>/);
  });

  it("prints a command's help and exits 0 without opening the store", async () => {
    const run = await admit(['keys', 'rotate', '--help'], { ADMIT_CONFIG: join(dir, 'missing.yaml') });
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^Usage: admit keys rotate/);
  });

  it('runs a command against the configured store and prints its result', async () => {
    const run = await admit(['user', 'add', '--site', 'DEMO', '--username', 'alice', '--password', 'Alice#Pass2026']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'added user "alice" to site DEMO\n');
    const list = await admit(['admin', 'list']);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout, 'no admins yet (admit admin add)\n');
  });

  it('prints a refusal without a stack and exits 1', async () => {
    const run = await admit(['user', 'add', '--site', 'NOPE', '--username', 'bob', '--password', 'Bob#Pass2026']);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'admit: --site: no site "NOPE"; the sites are DEMO\n');
  });

  it('prints a configuration problem as such and exits 1', async () => {
    const run = await admit(['admin', 'list'], { ADMIT_CONFIG: join(dir, 'missing.yaml') });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^admit: cannot read the config file .*missing\.yaml/);
  });

  it('prints an unexpected failure as "failed" and exits 1', async () => {
    // Keys sealed with one master secret do not open with another.
    assert.equal((await admit(['keys', 'rotate'])).code, 0);
    const run = await admit(['keys', 'rotate'], { ADMIT_SECRET: 'another-master-secret-0123456789-abcdef' });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^admit: failed: /);
  });
});
