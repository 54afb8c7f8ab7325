import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

const logger = fileURLToPath(new URL('./logger.ts', import.meta.url));

/** Runs a script in a fresh Node with createLogger imported, returning its stdout lines. */
function run(body: string): Record<string, unknown>[] {
  const script = `import { createLogger } from ${JSON.stringify(logger)};\nconst log = createLogger('info');\n${body}`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('createLogger', () => {
  it('writes every line, in order, when the process exits with fewer than a batch waiting', () => {
    const lines = run("log.info({ n: 1 }, 'one'); log.warn('two'); process.exit(0);");
    assert.deepEqual(
      lines.map((line) => [line.msg, line.service]),
      [
        ['one', 'admit'],
        ['two', 'admit'],
      ],
    );
  });

  it('writes batches and the rest at a normal exit, each line whole', () => {
    const lines = run("for (let n = 0; n < 500; n += 1) log.info({ n, path: '/token' }, 'request');");
    assert.equal(lines.length, 500);
    assert.deepEqual(
      lines.map((line) => line.n),
      Array.from({ length: 500 }, (_, n) => n),
    );
  });

  it('leaves out lines below the level', () => {
    assert.deepEqual(
      run("log.debug('hidden'); log.error('shown');").map((line) => line.msg),
      ['shown'],
    );
  });
});
