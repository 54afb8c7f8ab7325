import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import type { DirectorySchema } from '../kit/connector.ts';
import { environmentFrom } from './environment.ts';
import { ConfigError } from './errors.ts';
import { productionProblems } from './production.ts';
import { type Config, configSchemaFor } from './schema.ts';

export { ConfigError };

export const DEFAULT_CONFIG_PATH = 'config/default.yaml';

type Env = Record<string, string | undefined>;

/**
 * Reads the config file (ADMIT_CONFIG or config/default.yaml), applies the
 * environment overrides, and validates the result. With NODE_ENV=production
 * it also refuses what is only for trying admit out (production.ts). This
 * module and its siblings are the only ones that read the environment; the
 * rest of admit gets `config.environment`. `directories` are the directory
 * kinds of this build (the entry passes its plugins, src/connectors.ts): a
 * site's `directory` block is validated by its kind's schema.
 */
export function loadConfig(directories: readonly DirectorySchema[], env: Env = process.env): Config {
  const environment = environmentFrom(env.NODE_ENV);
  const path = env.ADMIT_CONFIG ?? DEFAULT_CONFIG_PATH;
  const raw = readConfigFile(path, environment === 'production');
  applyEnvOverrides(raw, env);
  const parsed = configSchemaFor(directories).safeParse(raw);
  if (!parsed.success) throw new ConfigError(`invalid configuration in ${path}:\n${describeIssues(parsed.error)}`);
  const config = parsed.data;
  const issuer = config.server.issuer ?? `http://localhost:${config.server.port}`;
  const loaded: Config = { ...config, environment, server: { ...config.server, issuer: issuer.replace(/\/$/, '') } };
  if (environment === 'production') {
    const problems = productionProblems(loaded, { issuerSet: config.server.issuer !== undefined });
    if (problems.length > 0) {
      throw new ConfigError(`refusing to start with NODE_ENV=production and ${path}:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    }
  }
  return loaded;
}

function readConfigFile(path: string, production: boolean): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const hint = production ? '; in production mount your config there (start from config/production.example.yaml) or name it with ADMIT_CONFIG' : '';
    throw new ConfigError(`cannot read the config file ${path} (ADMIT_CONFIG): ${(error as Error).message}${hint}`);
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`the config file ${path} is not valid YAML: ${(error as Error).message}`);
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`the config file ${path} must hold a mapping at the top`);
  return value as Record<string, unknown>;
}

function section(raw: Record<string, unknown>, name: string): Record<string, unknown> {
  const existing = raw[name];
  if (existing !== undefined && (typeof existing !== 'object' || existing === null)) {
    throw new ConfigError(`invalid configuration: ${name} must be a mapping`);
  }
  const value = (existing ?? {}) as Record<string, unknown>;
  raw[name] = value;
  return value;
}

function applyEnvOverrides(raw: Record<string, unknown>, env: Env): void {
  if (env.PORT !== undefined) {
    const port = Number(env.PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new ConfigError(`PORT must be a port number, got "${env.PORT}"`);
    section(raw, 'server').port = port;
  }
  if (env.ADMIT_ISSUER !== undefined) section(raw, 'server').issuer = env.ADMIT_ISSUER;
  if (env.ADMIT_TRUST_PROXY !== undefined) {
    if (env.ADMIT_TRUST_PROXY !== 'true' && env.ADMIT_TRUST_PROXY !== 'false')
      throw new ConfigError(`ADMIT_TRUST_PROXY must be true or false, got "${env.ADMIT_TRUST_PROXY}"`);
    section(raw, 'server').trustProxy = env.ADMIT_TRUST_PROXY === 'true';
  }
  if (env.ADMIT_TRUSTED_PROXY_HOPS !== undefined) {
    const hops = Number(env.ADMIT_TRUSTED_PROXY_HOPS);
    if (!/^\d+$/.test(env.ADMIT_TRUSTED_PROXY_HOPS) || !Number.isSafeInteger(hops)) {
      throw new ConfigError(`ADMIT_TRUSTED_PROXY_HOPS must be a number of proxies (0, 1, 2, …), got "${env.ADMIT_TRUSTED_PROXY_HOPS}"`);
    }
    section(raw, 'server').trustedProxyHops = hops;
  }
  if (env.ADMIT_STORE !== undefined) section(raw, 'store').url = env.ADMIT_STORE;
  if (env.ADMIT_SECRET !== undefined && env.ADMIT_SECRET_FILE !== undefined) throw new ConfigError('set ADMIT_SECRET or ADMIT_SECRET_FILE, not both');
  if (env.ADMIT_SECRET !== undefined) raw.secret = env.ADMIT_SECRET;
  if (env.ADMIT_SECRET_FILE !== undefined) raw.secret = readSecretFile(env.ADMIT_SECRET_FILE);
  if (env.ADMIT_SMTP_URL !== undefined) section(raw, 'mail').transport = env.ADMIT_SMTP_URL;
  if (env.ADMIT_LOG_LEVEL !== undefined) section(raw, 'logging').level = env.ADMIT_LOG_LEVEL;
}

/** The master secret from a file (a container secret such as /run/secrets/admit_secret), without its trailing newline. */
function readSecretFile(path: string): string {
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new ConfigError(`cannot read the master secret file ${path} (ADMIT_SECRET_FILE): ${(error as Error).message}`);
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `  - ${issue.path.length > 0 ? issue.path.join('.') : '(top level)'}: ${issue.message}`).join('\n');
}
