import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { TEST_SECRET } from '../support/admit-server.ts';

/** `admit user add` and `admit admin add` know a person by the canonical user-name key, as the sign-in does. */
describe('the CLI and the canonical user-name key', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const admit = (...args: string[]) => spawnSync(process.execPath, ['bin/admit.js', ...args], { env, encoding: 'utf8', timeout: 60_000 });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'admit-cli-names-'));
    writeFileSync(join(dir, 'admit.yaml'), 'sites:\n  - id: DEMO\n    displayName: Demo\n    directory: { kind: local }\n');
    env = { ...process.env, ADMIT_CONFIG: join(dir, 'admit.yaml'), ADMIT_STORE: `sqlite:${join(dir, 'admit.db')}`, ADMIT_SECRET: TEST_SECRET };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('user add: a look-alike of a taken name is taken; control and bidi characters are refused with the message', () => {
    const added = admit('user', 'add', '--site', 'DEMO', '--username', 'bob', '--password', 'Bob#Pass-2026');
    assert.equal(added.status, 0, added.stderr);
    const lookAlike = admit('user', 'add', '--site', 'DEMO', '--username', 'ｂob', '--password', 'Bob#Pass-2026');
    assert.notEqual(lookAlike.status, 0);
    assert.match(lookAlike.stderr, /--username: "ｂob" already exists in site DEMO/);
    const bidi = admit('user', 'add', '--site', 'DEMO', '--username', 'bo\u202eb', '--password', 'Bob#Pass-2026');
    assert.notEqual(bidi.status, 0);
    assert.match(bidi.stderr, /--username: User Name contains characters that are not allowed\./);
  });

  it('admin add finds the user under any spelling, and always the same account', () => {
    const first = admit('admin', 'add', '--site', 'DEMO', '--username', 'ＢＯＢ');
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /"bob" \(DEMO\) is now an admin of DEMO/);
    const again = admit('admin', 'add', '--site', '*', '--username', ' Bob', '--home', 'DEMO');
    assert.equal(again.status, 0, again.stderr);
    const list = admit('admin', 'list').stdout.trim().split('\n');
    assert.equal(list.length, 1, `one admin account: ${list.join(' | ')}`);
    assert.match(list[0]!, /^DEMO\tbob\tactive\t\*/);
  });
});
