import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { DIRECTORY_PLUGINS } from '../connectors.ts';
import { ConfigError, loadConfig } from './load.ts';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function configFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'admit-config-'));
  made.push(dir);
  const path = join(dir, 'admit.yaml');
  writeFileSync(path, text);
  return path;
}

const minimal = 'sites:\n  - id: DEMO\n    displayName: Demo\n    directory: { kind: local }\n';

describe('loadConfig', () => {
  it('reads the shipped default file', () => {
    const config = loadConfig(DIRECTORY_PLUGINS, {});
    assert.equal(config.server.port, 3000);
    assert.equal(config.server.issuer, 'http://localhost:3000');
    assert.equal(config.store.url, 'sqlite:./data/admit.db');
    assert.equal(config.sites[0]?.id, 'DEMO');
  });

  it('applies the environment overrides', () => {
    const config = loadConfig(DIRECTORY_PLUGINS, {
      ADMIT_CONFIG: configFile(minimal),
      PORT: '4100',
      ADMIT_STORE: 'redis://127.0.0.1:6379/2',
      ADMIT_SECRET: 'x'.repeat(40),
      ADMIT_LOG_LEVEL: 'warn',
    });
    assert.equal(config.server.port, 4100);
    assert.equal(config.server.issuer, 'http://localhost:4100', 'the issuer follows PORT');
    assert.equal(config.store.url, 'redis://127.0.0.1:6379/2');
    assert.equal(config.logging.level, 'warn');
    assert.equal(
      loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: configFile(minimal), ADMIT_ISSUER: 'https://id.example.com/' }).server.issuer,
      'https://id.example.com',
    );
  });

  it("validates each site's directory block with the schema of its kind's plugin, and names the kinds on a bad one", () => {
    const site = (directory: string) => configFile(`sites:\n  - id: DEMO\n    displayName: Demo\n    directory: ${directory}\n`);
    const kinds = '"local", "ldap", "entra"';
    assert.throws(
      () => loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: site('{ kind: ldpa }') }),
      (error: Error) =>
        error instanceof ConfigError && error.message.endsWith(`  - sites.0.directory.kind: no "ldpa" directory in this build of admit; use one of ${kinds}`),
    );
    assert.throws(
      () => loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: site('{ urls: [ldap://x] }') }),
      new RegExp(`sites\\.0\\.directory\\.kind: name the directory's kind, one of ${kinds}`),
    );
    assert.throws(
      () => loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: site('{ kind: 7 }') }),
      new RegExp(`sites\\.0\\.directory\\.kind: name the directory's kind, one of ${kinds}`),
    );
    assert.throws(() => loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: site('local') }), /sites\.0\.directory: Invalid input: expected object/);
    // Only the kinds handed in exist: a build (or test) without the LDAP plugin refuses an LDAP site.
    const localOnly = DIRECTORY_PLUGINS.filter((plugin) => plugin.kind === 'local');
    assert.throws(
      () => loadConfig(localOnly, { ADMIT_CONFIG: site('{ kind: ldap }') }),
      /sites\.0\.directory\.kind: no "ldap" directory in this build of admit; use one of "local"$/,
    );
    // The kind's own schema: the LDAP plugin's and the local directory's settings, checked when the config is read.
    assert.throws(
      () => loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: site('{ kind: ldap, urls: [ldap://ldap.example.test], bindDn: cn=admit, bindPassword: x }') }),
      /sites\.0\.directory\.userBase: /,
    );
    assert.throws(
      () => loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: site('{ kind: ldap, urls: [http://x], bindDn: cn=a, bindPassword: x, userBase: o=x }') }),
      /sites\.0\.directory\.urls\.0: use ldap:\/\//,
    );
    assert.throws(
      () => loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: site('{ kind: local, rehashOnSignIn: maybe }') }),
      /sites\.0\.directory\.rehashOnSignIn: /,
    );
    assert.throws(
      () => loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: site('{ kind: local, urls: [ldap://x] }') }),
      /sites\.0\.directory: Unrecognized key: "urls"/,
    );
    assert.deepEqual(loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: site('{ kind: local }') }).sites[0]?.directory, { kind: 'local', rehashOnSignIn: true });
  });

  it('names the option path of a wrong value', () => {
    const bad = 'sites:\n  - id: lower-case\n    displayName: Demo\n    directory: { kind: local }\n';
    assert.throws(
      () => loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: configFile(bad) }),
      (error: Error) => error instanceof ConfigError && /sites\.0\.id/.test(error.message),
    );
    assert.throws(
      () => loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: configFile(`${minimal}tokens:\n  accessTokenSeconds: 5\n`) }),
      /tokens\.accessTokenSeconds/,
    );
    assert.throws(() => loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: configFile(`${minimal}unknownOption: 1\n`) }), /unknownOption/);
    assert.throws(
      () => loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: configFile(`${minimal}clients:\n  - client_id: a\n    redirect_uris: [not-a-url]\n`) }),
      /clients\.0\.(redirect_uris|client_secret)/,
    );
  });

  it('resolves the trusted proxy hops: none by default, one for trustProxy alone, as many as set', () => {
    const file = configFile(minimal);
    const server = (env: Record<string, string>) => loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: file, ...env }).server;
    assert.deepEqual([server({}).trustProxy, server({}).trustedProxyHops], [false, 0]);
    assert.deepEqual([server({ ADMIT_TRUST_PROXY: 'true' }).trustProxy, server({ ADMIT_TRUST_PROXY: 'true' }).trustedProxyHops], [true, 1]);
    assert.deepEqual([server({ ADMIT_TRUSTED_PROXY_HOPS: '2' }).trustProxy, server({ ADMIT_TRUSTED_PROXY_HOPS: '2' }).trustedProxyHops], [true, 2]);
    assert.equal(server({ ADMIT_TRUST_PROXY: 'true', ADMIT_TRUSTED_PROXY_HOPS: '3' }).trustedProxyHops, 3);
    assert.equal(loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: configFile(`${minimal}server:\n  trustedProxyHops: 2\n`) }).server.trustedProxyHops, 2);
  });

  it('names the option of a contradictory or malformed proxy setting', () => {
    const file = configFile(minimal);
    assert.throws(
      () => loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: file, ADMIT_TRUST_PROXY: 'false', ADMIT_TRUSTED_PROXY_HOPS: '1' }),
      /server\.trustedProxyHops: proxy hops are trusted only with server\.trustProxy true/,
    );
    assert.throws(
      () => loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: file, ADMIT_TRUST_PROXY: 'true', ADMIT_TRUSTED_PROXY_HOPS: '0' }),
      /server\.trustedProxyHops: use at least 1/,
    );
    assert.throws(() => loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: file, ADMIT_TRUSTED_PROXY_HOPS: '11' }), /server\.trustedProxyHops/);
    assert.throws(
      () => loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: configFile(`${minimal}server:\n  trustedProxyHops: 1.5\n`) }),
      /server\.trustedProxyHops/,
    );
    assert.throws(
      () => loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: file, ADMIT_TRUSTED_PROXY_HOPS: 'one' }),
      /ADMIT_TRUSTED_PROXY_HOPS must be a number of proxies/,
    );
    assert.throws(() => loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: file, ADMIT_TRUST_PROXY: 'yes' }), /ADMIT_TRUST_PROXY must be true or false, got "yes"/);
  });

  it('refuses duplicate sites, an empty site list, a bad PORT, bad YAML and a missing file', () => {
    assert.throws(() => loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: configFile(minimal + minimal.replace('sites:\n', '')) }), /duplicate site id DEMO/);
    assert.throws(() => loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: configFile('sites: []\n') }), /sites: declare at least one site/);
    assert.throws(() => loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: configFile(minimal), PORT: 'eighty' }), /PORT must be a port number/);
    assert.throws(() => loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: configFile('sites: [\n') }), /not valid YAML/);
    assert.throws(() => loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: '/nonexistent/admit.yaml' }), /cannot read the config file/);
  });

  it('carries the environment NODE_ENV names, and refuses a NODE_ENV it does not know', () => {
    const file = configFile(minimal);
    assert.equal(loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: file }).environment, 'development');
    assert.equal(loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: file, NODE_ENV: 'development' }).environment, 'development');
    assert.equal(loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: file, NODE_ENV: 'test' }).environment, 'test');
    assert.throws(
      () => loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: file, NODE_ENV: 'staging' }),
      /NODE_ENV must be production, development or test \(or unset\), got "staging"/,
    );
  });

  it('reads the master secret from ADMIT_SECRET_FILE, and not from both', () => {
    const secretFile = configFile(`${'s'.repeat(10)}${'t'.repeat(30)}\n`);
    assert.equal(
      loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: configFile(minimal), ADMIT_SECRET_FILE: secretFile }).secret,
      `${'s'.repeat(10)}${'t'.repeat(30)}`,
      'without the trailing newline',
    );
    assert.throws(
      () => loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: configFile(minimal), ADMIT_SECRET_FILE: secretFile, ADMIT_SECRET: 'x'.repeat(40) }),
      /set ADMIT_SECRET or ADMIT_SECRET_FILE, not both/,
    );
    assert.throws(
      () => loadConfig(DIRECTORY_PLUGINS, { ADMIT_CONFIG: configFile(minimal), ADMIT_SECRET_FILE: '/nonexistent/secret' }),
      /cannot read the master secret file \/nonexistent\/secret \(ADMIT_SECRET_FILE\)/,
    );
  });

  it('refuses the shipped demo config in production, naming every setting', () => {
    const message = (() => {
      try {
        loadConfig(DIRECTORY_PLUGINS, { NODE_ENV: 'production' });
      } catch (error) {
        assert.ok(error instanceof ConfigError);
        return error.message;
      }
      assert.fail('the demo config loaded in production');
    })();
    assert.match(message, /^refusing to start with NODE_ENV=production and config\/default\.yaml:/);
    for (const setting of [
      /- demo: the demo user is for trying admit out/,
      /- server\.allowLoopbackRequests: true /,
      /- secret: set the master secret .* ADMIT_SECRET or ADMIT_SECRET_FILE/,
      /- clients\.0\.client_secret: is the example-rp client's secret in config\/default\.yaml/,
      /- server\.issuer: set the public https URL of admit \(ADMIT_ISSUER\)/,
    ])
      assert.match(message, setting);
  });

  it('starts production with a config of its own, https issuer and a master secret', () => {
    const production = `${minimal.replace('DEMO', 'CUSTOMERS')}clients:\n  - client_id: app\n    client_secret: ${'k9'.repeat(20)}\n    redirect_uris: [https://app.example.net/cb]\n`;
    const env = { NODE_ENV: 'production', ADMIT_CONFIG: configFile(production), ADMIT_ISSUER: 'https://id.example.net', ADMIT_SECRET: 'Qz7'.repeat(12) };
    const config = loadConfig(DIRECTORY_PLUGINS, env);
    assert.equal(config.environment, 'production');
    assert.equal(config.server.issuer, 'https://id.example.net');
    assert.throws(
      () => loadConfig(DIRECTORY_PLUGINS, { ...env, ADMIT_ISSUER: 'http://id.example.net' }),
      /server\.issuer: use an https URL \(got http:\/\/id\.example\.net\)/,
    );
    assert.equal(
      loadConfig(DIRECTORY_PLUGINS, { ...env, ADMIT_ISSUER: 'http://127.0.0.1:4000' }).server.issuer,
      'http://127.0.0.1:4000',
      'plain http on a loopback host: one machine only',
    );
    assert.throws(
      () => loadConfig(DIRECTORY_PLUGINS, { ...env, ADMIT_SECRET: 'example-rp-secret-change-me-0123456789' }),
      /- secret: is the example-rp client's secret/,
    );
    assert.throws(() => loadConfig(DIRECTORY_PLUGINS, { ...env, ADMIT_SECRET: 'x'.repeat(40) }), /- secret: is a placeholder/);
    assert.throws(() => loadConfig(DIRECTORY_PLUGINS, { ...env, ADMIT_SECRET: undefined }), /- secret: set the master secret/);
    assert.throws(
      () => loadConfig(DIRECTORY_PLUGINS, { ...env, ADMIT_CONFIG: configFile(`${production}server:\n  allowLoopbackRequests: true\n`) }),
      /- server\.allowLoopbackRequests: true/,
    );
    assert.throws(
      () => loadConfig(DIRECTORY_PLUGINS, { ...env, ADMIT_CONFIG: configFile(`${production}demo: { site: CUSTOMERS, username: demo }\n`) }),
      /- demo: /,
    );
  });

  it('names the mount point when the production config file is missing', () => {
    assert.throws(
      () => loadConfig(DIRECTORY_PLUGINS, { NODE_ENV: 'production', ADMIT_CONFIG: '/nonexistent/admit.yaml' }),
      /cannot read the config file \/nonexistent\/admit\.yaml \(ADMIT_CONFIG\): .*in production mount your config there \(start from config\/production\.example\.yaml\)/,
    );
  });
});
