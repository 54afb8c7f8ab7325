import assert from 'node:assert/strict';
import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { signIn, startEntraAdmit } from '../entra/entra-admit.ts';
import { type EntraUser, entraDirectory, type FakeMicrosoft, fakeMicrosoft, microsoftKey, offline, TENANT } from '../entra/fake-microsoft.ts';
import type { RunningAdmit } from '../support/admit-server.ts';
import { PATCH_OP, scimClient, tokenFor } from './scim-client.ts';

/**
 * A user Entra provisioned signs in with Microsoft to the account SCIM made:
 * in an invitation-only site nobody else gets in, the provisioned person
 * does (the account is linked to <tenant>:<object id>), with the SCIM
 * groups in the claims; deprovisioned, they are refused. Microsoft's side is
 * nock (test/entra/fake-microsoft.ts); admit is real.
 */
describe('a provisioned Entra user signs in with Microsoft; a deprovisioned one cannot', () => {
  let running: RunningAdmit;
  let microsoft: FakeMicrosoft;
  let key: Awaited<ReturnType<typeof microsoftKey>>;
  let scim: ReturnType<typeof scimClient>;
  const ada: EntraUser = {
    tid: TENANT,
    oid: '0000aaaa-aaaa-4bbb-8ccc-000000000001',
    email: 'ada@contoso.test',
    name: 'Ada Lovelace',
    groups: [],
    amr: ['pwd'],
  };

  beforeAll(async () => {
    offline();
    key = await microsoftKey();
    ({ running } = await startEntraAdmit([
      {
        id: 'PARTNER',
        displayName: 'Partner Center',
        directory: entraDirectory(),
        signIn: { changePasswordAtFirstSignIn: false },
        signUp: { mode: 'invitation' },
        scim: { tenantId: TENANT },
      },
    ]));
    scim = scimClient(running, 'PARTNER', await tokenFor(running, 'PARTNER'));
  });
  afterAll(async () => {
    await running?.stop();
    microsoft?.stop();
    nock.enableNetConnect();
  });
  beforeEach(async () => {
    microsoft?.stop();
    microsoft = await fakeMicrosoft(key);
  });
  const asAda = () => {
    microsoft.state.nextUser = ada;
    return signIn(running, { site: 'PARTNER' });
  };

  it('before provisioning the invitation-only site refuses them', async () => {
    const attempt = await asAda();
    assert.equal(attempt.claims, undefined);
    assert.equal(attempt.response.status, 403);
  });

  it('provisioned (externalId = object id) and put in a group: they sign in as that account, the group in their claims', async () => {
    const created = await scim('POST', '/Users', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'ada@contoso.test',
      externalId: ada.oid,
      active: true,
      displayName: 'Ada Lovelace',
      emails: [{ value: 'ada@contoso.test', type: 'work', primary: true }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const group = await scim('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Resellers',
      members: [{ value: created.body.id }],
    });
    assert.equal(group.status, 201);
    const attempt = await asAda();
    assert.ok(attempt.claims, `expected a code, ended at ${attempt.url.href} (${attempt.response.status})`);
    assert.equal(attempt.claims.sub, created.body.id);
    assert.deepEqual(attempt.claims.groups, ['Resellers']);
  });

  it('deprovisioned (active "False"), the next sign-in is refused; enabled again, it goes through', async () => {
    const { id } = (await scim('GET', `/Users?filter=${encodeURIComponent('externalId eq "0000aaaa-aaaa-4bbb-8ccc-000000000001"')}`)).body.Resources[0];
    await scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
    const refused = await asAda();
    assert.equal(refused.claims, undefined);
    assert.equal(refused.response.status, 403);
    await scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'True' }] });
    assert.equal((await asAda()).claims?.sub, id);
  });
});
