import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { type Admit, type ComposeOptions, composeAdmit } from '../../src/compose.ts';
import type { Config } from '../../src/config/schema.ts';
import { buildConfigSchema } from '../../src/connectors.ts';
import { serve } from '../../src/serve.ts';
import { freePort } from './free-port.ts';

export const TEST_SECRET = 'test-master-secret-0123456789-abcdefghij';

export interface RunningAdmit {
  issuer: string;
  port: number;
  config: Config;
  admit: Admit;
  stop(): Promise<void>;
  /** Stops and starts again on the same port and store: nothing may be lost. */
  restart(): Promise<void>;
}

/**
 * Runs admit in this process on a free loopback port. `store` is a redis://
 * URL, or omitted for a fresh SQLite file in a temporary folder. A test's
 * own directory plugins (`compose.directories`) go into the config schema
 * too, so a site may name their kind and its settings.
 */
export async function startAdmit(
  options: { store?: string; config?: Record<string, unknown>; dataDir?: string; compose?: ComposeOptions; issuer?: string } = {},
): Promise<RunningAdmit> {
  const port = await freePort();
  // The issuer admit announces; an https one stands for a TLS-terminating proxy in front (tests still talk plain http to the port).
  const issuer = options.issuer ?? `http://127.0.0.1:${port}`;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'admit-test-'));
  const raw = {
    server: { port, issuer, allowLoopbackRequests: true },
    store: { url: options.store ?? `sqlite:${join(dataDir, 'admit.db')}`, redis: { keyPrefix: `admit-${port}:` } },
    secret: TEST_SECRET,
    sites: [{ id: 'DEMO', displayName: 'Demo site', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false } }],
    logging: { level: 'silent' },
    ...options.config,
  };
  // Tests that are not about MFA sign in with a password only; MFA tests ask for it explicitly.
  const sites = (raw.sites as Record<string, unknown>[]).map((site) => ('mfa' in site ? site : { ...site, mfa: { required: false } }));
  const parsed = buildConfigSchema(options.compose?.directories).parse({ ...raw, sites });
  const config = { ...parsed, server: { ...parsed.server, issuer } } as Config;
  const logger = pino({ level: process.env.ADMIT_TEST_LOG ?? 'silent' });

  let admit = await composeAdmit(config, logger, options.compose);
  let server = await serve(admit, config, logger, port);
  const running: RunningAdmit = {
    issuer: config.server.issuer,
    port,
    config,
    get admit() {
      return admit;
    },
    async stop() {
      await server.shutdown(1000);
      await admit.close();
      // The data directory this helper made (a SQLite file, or only the master secret on Redis) goes with it.
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
    async restart() {
      await server.shutdown(1000);
      await admit.close();
      // Let clients notice their keep-alive sockets to the old server have closed.
      await new Promise((resolve) => setTimeout(resolve, 100));
      admit = await composeAdmit(config, logger, options.compose);
      server = await serve(admit, config, logger, port);
    },
  };
  return running;
}
