#!/usr/bin/env node
// The `admit` admin command. It needs the pinned Node 24 (type stripping,
// node:sqlite, crypto.argon2); run under an older Node, it hands itself over.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  const pinned = fileURLToPath(new URL('../node_modules/.bin/node', import.meta.url));
  if (!existsSync(pinned)) {
    process.stderr.write('admit needs Node.js 24: run `npm ci` in the admit folder first.\n');
    process.exit(1);
  }
  const result = spawnSync(pinned, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
await import('../src/cli/main.ts');
