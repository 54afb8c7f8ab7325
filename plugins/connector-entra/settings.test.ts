import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { parse } from 'yaml';
import { siteSchemaFor } from '../../src/config/sites.ts';
import { entraDirectoryPlugin } from './plugin.ts';
import { allowedTenantsOf, expectedIssuer, metadataUrlOf, parseEntraSettings } from './settings.ts';

describe('Entra settings', () => {
  it('accepts every site of config/examples/entra-site.yaml', () => {
    const example = parse(readFileSync(new URL('../../config/examples/entra-site.yaml', import.meta.url), 'utf8')) as { sites: unknown[] };
    for (const raw of example.sites) {
      const site = siteSchemaFor([entraDirectoryPlugin]).parse(raw);
      const settings = parseEntraSettings(site.directory);
      assert.ok(allowedTenantsOf(settings).size >= 1);
    }
  });

  it('derives the metadata URL and the issuer from the tenant', () => {
    const settings = parseEntraSettings({ kind: 'entra', tenant: '6f1a7c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b', clientId: 'c', clientSecret: 's' });
    assert.equal(metadataUrlOf(settings), 'https://login.microsoftonline.com/6f1a7c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b/v2.0/.well-known/openid-configuration');
    assert.equal(expectedIssuer(settings, 'abc'), 'https://login.microsoftonline.com/abc/v2.0');
  });

  it('refuses a single tenant with a foreign allow-list, both or neither credential, an http authority', () => {
    const base = { kind: 'entra', tenant: '6f1a7c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b', clientId: 'c', clientSecret: 's' };
    assert.throws(
      () => parseEntraSettings({ ...base, allowedTenants: ['a4d8e2f0-5c6b-4d7e-9f80-1a2b3c4d5e6f'] }),
      /directory.allowedTenants: a single-tenant site accepts only its own tenant/,
    );
    assert.throws(
      () => parseEntraSettings({ ...base, clientCertificate: { privateKeyFile: '/k.pem', thumbprintSha256: 'a'.repeat(64) } }),
      /directory.clientSecret: set either/,
    );
    assert.throws(() => parseEntraSettings({ ...base, authorityHost: 'http://login.microsoftonline.com' }), /directory.authorityHost/);
    assert.throws(() => parseEntraSettings({ ...base, unknownOption: true }), /directory/);
  });
});
