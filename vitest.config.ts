import { defineConfig } from 'vitest/config';

// One command, `npm test`, runs this. Unit tests sit beside the code (src/**,
// plugins/**); integration tests are under test/. Every file starts the real
// servers it drives (Redis, OpenLDAP, SMTP, Chromium, Apache) on free loopback
// ports and stops them, so no file sees another's data; the global setup only
// makes sure the Debian packages are installed. Two files at a time: the
// machines have two cores, and a Chromium or slapd file uses one of them.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'plugins/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
    env: { NODE_ENV: 'test' },
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts', 'plugins/**/*.ts'],
      exclude: ['**/*.test.ts', '**/testing/**', 'src/**/*.d.ts'],
      reporter: ['text-summary', 'json-summary'],
      // The figures are printed even when a test failed, so a red run still says where coverage stands.
      reportOnFailure: true,
      thresholds: { lines: 95, branches: 85 },
    },
  },
});
