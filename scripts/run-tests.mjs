// `npm test`: the whole suite on vitest (vitest.config.ts), with coverage and
// its thresholds enforced. `npm test -- <files or filters>` runs just those,
// without coverage (a part of the suite cannot reach the whole's thresholds).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const vitest = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const extra = process.argv.slice(2);
const args = [vitest, 'run', ...(extra.length ? extra : ['--coverage'])];
const result = spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } });
process.exit(result.status ?? 1);
