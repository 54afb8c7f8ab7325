// Installs the locked dependencies when node_modules is missing or older than
// the lock file, so `npm start` and `npm test` work on a fresh clone as one
// command. Runs on whatever Node the machine has (it may be older than the
// pinned Node 24 that the installed `node` package then provides).
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const lock = 'package-lock.json';
const marker = 'node_modules/.package-lock.json';

const stale = !existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs;
if (stale) {
  console.log('admit: installing dependencies (npm ci)…');
  execSync('npm ci --no-audit --no-fund', { stdio: 'inherit' });
}
