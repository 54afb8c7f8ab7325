import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { DIRECTORY_PLUGINS } from '../connectors.ts';
import { loadConfig } from './load.ts';
import { exampleSecretProblem } from './production.ts';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function tempFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'admit-production-'));
  made.push(dir);
  const path = join(dir, 'admit.yaml');
  writeFileSync(path, text);
  return path;
}

/** Every string under a credential-like key of a YAML document. */
function secretsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(secretsIn);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, item]) => (typeof item === 'string' && /(secret|password|token)$/i.test(key) ? [item] : secretsIn(item)));
}

const PRODUCTION_EXAMPLE = 'config/production.example.yaml';
const OPERATOR_SECRET = 'd3Vq-8mZr_Lp2Xk7Tn4Hc9Wb6Ys1Fa5Ge0Ju';

describe('production checks', () => {
  it('refuses every secret shipped in the repository: config/, examples/ and the README', () => {
    const yamlFiles = ['config', 'config/examples'].flatMap((dir) =>
      readdirSync(dir)
        .filter((name) => name.endsWith('.yaml'))
        .map((name) => join(dir, name)),
    );
    assert.ok(yamlFiles.includes('config/default.yaml') && yamlFiles.includes(PRODUCTION_EXAMPLE));
    const shipped = yamlFiles.flatMap((file) => secretsIn(parseYaml(readFileSync(file, 'utf8'))).map((secret) => ({ file, secret })));
    // The example RP's built-in default, and the client secrets of the README's snippets.
    for (const match of readFileSync('examples/rp/server.ts', 'utf8').matchAll(/SECRET \?\? '([^']+)'/g))
      shipped.push({ file: 'examples/rp/server.ts', secret: match[1]! });
    for (const match of readFileSync('README.md', 'utf8').matchAll(/^\s*(?:client_secret:|OIDCClientSecret)\s+(\S+)\s*$/gm))
      shipped.push({ file: 'README.md', secret: match[1]! });
    assert.ok(shipped.length >= 7, `found ${shipped.length} shipped secrets`);
    assert.ok(shipped.filter(({ file }) => file === 'README.md').length >= 2, "the README's client secrets are found");
    for (const { file, secret } of shipped) assert.ok(exampleSecretProblem(secret), `${file}: ${secret} is not refused in production`);
  });

  it("lets a secret of the operator's own through", () => {
    assert.equal(exampleSecretProblem(OPERATOR_SECRET), undefined);
    assert.match(exampleSecretProblem('example-rp-secret-change-me-0123456789')!, /published in the repository/);
    assert.match(exampleSecretProblem('REPLACE-ME-with-at-least-32-random-characters')!, /placeholder/);
    assert.match(exampleSecretProblem('0'.repeat(32))!, /placeholder/);
  });

  it('refuses config/production.example.yaml as shipped, naming what to fill in', () => {
    assert.throws(
      () => loadConfig(DIRECTORY_PLUGINS, { NODE_ENV: 'production', ADMIT_CONFIG: PRODUCTION_EXAMPLE }),
      (error: Error) => {
        for (const setting of [
          /- server\.issuer: set the public https URL/,
          /- secret: set the master secret/,
          /- clients\.0\.client_secret: is a placeholder/,
        ])
          assert.match(error.message, setting);
        assert.doesNotMatch(error.message, /demo|allowLoopbackRequests/);
        return true;
      },
    );
  });

  it('accepts config/production.example.yaml once its placeholders are filled in', () => {
    const text = readFileSync(PRODUCTION_EXAMPLE, 'utf8').replace(
      'REPLACE-ME-with-at-least-32-random-characters',
      OPERATOR_SECRET.split('').reverse().join(''),
    );
    const secretFile = tempFile(`${OPERATOR_SECRET}\n`);
    const config = loadConfig(DIRECTORY_PLUGINS, {
      NODE_ENV: 'production',
      ADMIT_CONFIG: tempFile(text),
      ADMIT_ISSUER: 'https://id.your-company.example',
      ADMIT_SECRET_FILE: secretFile,
    });
    assert.equal(config.environment, 'production');
    assert.equal(config.secret, OPERATOR_SECRET);
    assert.equal(config.server.trustProxy, true);
    assert.equal(config.demo, undefined);
    assert.equal(config.server.allowLoopbackRequests, false);
  });
});
