import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError } from './load.ts';

function configFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'admit-config-')), 'admit.yaml');
  writeFileSync(path, text);
  return path;
}

const minimal = 'sites:\n  - id: DEMO\n    displayName: Demo\n    directory: { kind: local }\n';

describe('loadConfig', () => {
  it('reads the shipped default file', () => {
    const config = loadConfig({});
    assert.equal(config.server.port, 3000);
    assert.equal(config.server.issuer, 'http://localhost:3000');
    assert.equal(config.store.url, 'sqlite:./data/admit.db');
    assert.equal(config.sites[0]?.id, 'DEMO');
  });

  it('applies the environment overrides', () => {
    const config = loadConfig({ ADMIT_CONFIG: configFile(minimal), PORT: '4100', ADMIT_STORE: 'redis://127.0.0.1:6379/2', ADMIT_SECRET: 'x'.repeat(40), ADMIT_LOG_LEVEL: 'warn' });
    assert.equal(config.server.port, 4100);
    assert.equal(config.server.issuer, 'http://localhost:4100', 'the issuer follows PORT');
    assert.equal(config.store.url, 'redis://127.0.0.1:6379/2');
    assert.equal(config.logging.level, 'warn');
    assert.equal(loadConfig({ ADMIT_CONFIG: configFile(minimal), ADMIT_ISSUER: 'https://id.example.com/' }).server.issuer, 'https://id.example.com');
  });

  it('names the option path of a wrong value', () => {
    const bad = 'sites:\n  - id: lower-case\n    displayName: Demo\n    directory: { kind: local }\n';
    assert.throws(() => loadConfig({ ADMIT_CONFIG: configFile(bad) }), (error: Error) => error instanceof ConfigError && /sites\.0\.id/.test(error.message));
    assert.throws(() => loadConfig({ ADMIT_CONFIG: configFile(`${minimal}tokens:\n  accessTokenSeconds: 5\n`) }), /tokens\.accessTokenSeconds/);
    assert.throws(() => loadConfig({ ADMIT_CONFIG: configFile(`${minimal}unknownOption: 1\n`) }), /unknownOption/);
    assert.throws(() => loadConfig({ ADMIT_CONFIG: configFile(`${minimal}clients:\n  - client_id: a\n    redirect_uris: [not-a-url]\n`) }), /clients\.0\.(redirect_uris|client_secret)/);
  });

  it('refuses duplicate sites, an empty site list, a bad PORT, bad YAML and a missing file', () => {
    assert.throws(() => loadConfig({ ADMIT_CONFIG: configFile(minimal + minimal.replace('sites:\n', '')) }), /duplicate site id DEMO/);
    assert.throws(() => loadConfig({ ADMIT_CONFIG: configFile('sites: []\n') }), /sites: declare at least one site/);
    assert.throws(() => loadConfig({ ADMIT_CONFIG: configFile(minimal), PORT: 'eighty' }), /PORT must be a port number/);
    assert.throws(() => loadConfig({ ADMIT_CONFIG: configFile('sites: [\n') }), /not valid YAML/);
    assert.throws(() => loadConfig({ ADMIT_CONFIG: '/nonexistent/admit.yaml' }), /cannot read the config file/);
  });
});
