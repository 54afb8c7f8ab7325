// Runs every test file with Node's own test runner on the pinned Node 24.
// Unit tests sit beside the code (src/**, plugins/**); integration tests are
// under test/. Two files at a time: the machines have two cores.
import { spawnSync } from 'node:child_process';

const patterns = ['src/**/*.test.ts', 'plugins/**/*.test.ts', 'test/**/*.test.ts'];
const extra = process.argv.slice(2);
const args = ['--test', '--test-concurrency=2', '--test-timeout=120000', ...(extra.length ? extra : patterns)];
const result = spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } });
process.exit(result.status ?? 1);
