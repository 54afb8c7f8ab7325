import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { z } from 'zod';
import { entraDirectoryPlugin } from '../../../plugins/connector-entra/plugin.ts';
import { siteSchemaFor } from '../../config/sites.ts';
import type { FederatedConnector } from '../../kit/connector.ts';
import { createSiteDirectory } from '../../services/sites.ts';
import { domainOf, federatedSiteFor, federatedSiteForLogin } from './home-realm.ts';

const federated = (domains: string[]): FederatedConnector => ({
  kind: 'entra',
  federated: true,
  domains,
  beginSignIn: async () => ({ status: 'unavailable', reason: 'test' }),
  completeSignIn: async () => ({ status: 'rejected', reason: 'test' }),
  health: async () => ({ ok: true }),
});
/** Sites of two kinds whose settings the stand-in connectors below do not read. */
const siteSchema = siteSchemaFor(['local', 'entra'].map((kind) => ({ kind, settings: z.object({ kind: z.literal(kind) }) })));
const config = (id: string, kind: string) => siteSchema.parse({ id, displayName: id, directory: { kind } });
const domainsBySite: Record<string, string[]> = { A: ['contoso.test'], B: ['fabrikam.test', 'shared.test'], C: ['shared.test'] };
const sites = createSiteDirectory([config('LOCAL', 'local'), config('A', 'entra'), config('B', 'entra'), config('C', 'entra')], {
  local: {
    capabilities: { ...entraDirectoryPlugin.capabilities, passwords: true, federated: false },
    create: () => ({ kind: 'local', verifyPassword: async () => ({ status: 'invalid' }), health: async () => ({ ok: true }) }),
  },
  entra: { capabilities: entraDirectoryPlugin.capabilities, create: (site) => federated(domainsBySite[site.id]!) },
});

describe('home-realm discovery', () => {
  it('reads the domain of an email only', () => {
    assert.equal(domainOf(' Alice@Contoso.TEST '), 'contoso.test');
    assert.equal(domainOf('alice'), undefined);
    assert.equal(domainOf('a@b@c'), undefined);
  });

  it("prefers the email's site, then the chosen federated site; an ambiguous domain picks none", () => {
    assert.equal(federatedSiteFor(sites, { site: 'LOCAL', username: 'x@fabrikam.test' })?.config.id, 'B');
    assert.equal(federatedSiteFor(sites, { site: 'A', username: 'x@fabrikam.test' })?.config.id, 'B');
    assert.equal(federatedSiteFor(sites, { site: 'A', username: 'x@shared.test' })?.config.id, 'A');
    assert.equal(federatedSiteFor(sites, { site: 'LOCAL', username: 'x@shared.test' }), undefined);
    assert.equal(federatedSiteFor(sites, { site: 'LOCAL', username: 'bob' }), undefined);
  });

  it('the password form goes to Microsoft for a federated site, or for a known email typed without a password', () => {
    assert.equal(federatedSiteForLogin(sites, { site: 'A', username: 'bob', password: 'typed' })?.config.id, 'A');
    assert.equal(federatedSiteForLogin(sites, { site: 'LOCAL', username: 'x@contoso.test', password: '' })?.config.id, 'A');
    assert.equal(federatedSiteForLogin(sites, { site: 'LOCAL', username: 'x@contoso.test', password: 'a password' }), undefined);
    assert.equal(federatedSiteForLogin(sites, { site: 'LOCAL', username: 'bob', password: '' }), undefined);
  });

  it('lists which sites are federated, and a federated site refuses every password', async () => {
    assert.deepEqual(
      sites.list().map((site) => [site.id, site.federated]),
      [
        ['LOCAL', false],
        ['A', true],
        ['B', true],
        ['C', true],
      ],
    );
    assert.deepEqual(await sites.get('A')!.connector.verifyPassword({ username: 'x', password: 'y' }), { status: 'invalid' });
  });
});
