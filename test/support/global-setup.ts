import { execFileSync } from 'node:child_process';

/**
 * Runs once before any test file: installs the Debian packages the suite
 * drives for real when they are missing (so `npx vitest` alone works on a
 * fresh machine as `npm test` does). Each file starts its own servers.
 */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/ensure-system-packages.mjs'], { stdio: 'inherit' });
}
