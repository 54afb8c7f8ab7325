import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from './errors.ts';
import type { Config } from './schema.ts';

/**
 * The master secret: the configured one (ADMIT_SECRET), or for an embedded
 * SQLite store a random one kept in `admit.secret` beside the database, made on
 * first start so a fresh clone runs with no setup. Redis deployments have
 * several instances, which must share one secret: there it is required.
 */
export function resolveMasterSecret(config: Config): { secret: string; generated: boolean } {
  if (config.secret) return { secret: config.secret, generated: false };
  // loadConfig refuses this already; a config built another way must not get a generated secret in production either.
  if (config.environment === 'production') throw new ConfigError('secret (ADMIT_SECRET or ADMIT_SECRET_FILE) is required in production');
  const url = config.store.url;
  if (!url.startsWith('sqlite:')) {
    throw new ConfigError('secret (ADMIT_SECRET) is required with a Redis store: every instance must share it');
  }
  const databasePath = url.slice('sqlite:'.length);
  const file = databasePath === ':memory:' ? undefined : join(dirname(databasePath), 'admit.secret');
  if (!file) return { secret: randomBytes(32).toString('base64url'), generated: true };
  try {
    return { secret: readFileSync(file, 'utf8').trim(), generated: false };
  } catch {
    const secret = randomBytes(32).toString('base64url');
    mkdirSync(dirname(file), { recursive: true });
    // 'wx': never overwrite a secret another process wrote first.
    try {
      writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    } catch {
      return { secret: readFileSync(file, 'utf8').trim(), generated: false };
    }
    return { secret, generated: true };
  }
}
