import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { type RunningRedis, startRedis } from '../support/redis-server.ts';
import { ENTRA_DIRECTORY, entraUser, filterQuery, PATCH_OP, scimClient, TENANT, tokenFor } from './scim-client.ts';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const sites = [
  { id: 'LOCAL', displayName: 'Vendor staff', directory: { kind: 'local' } },
  { id: 'PARTNERS', displayName: 'Partner Center', directory: ENTRA_DIRECTORY, scim: { tenantId: TENANT } },
  { id: 'MULTI', displayName: 'Several tenants', directory: ENTRA_DIRECTORY },
];
const oid = (n: number) => `5c5e0c11-0000-4000-8000-${String(n).padStart(12, '0')}`;

/**
 * People admit knew before their directory provisioned them: a local
 * directory user without an account, an account made by an earlier sign-in.
 * SCIM finds them (Entra matches on userName first) and, where the directory
 * identity is the same, takes the account over instead of making a second.
 * Also PUT, unfiltered listing, parallel PATCHes of one user, and the
 * externalId forms of a site without scim.tenantId.
 */
describe.each(['SQLite', 'Redis'])('SCIM and the accounts admit already had (%s)', (backend) => {
  let redis: RunningRedis | undefined;
  let running: RunningAdmit;
  const accounts = () => createAccountService({ store: running.admit.store });
  let local: ReturnType<typeof scimClient>;
  let partners: ReturnType<typeof scimClient>;

  beforeAll(async () => {
    if (backend === 'Redis') redis = await startRedis();
    running = await startAdmit({ store: redis?.url, config: { sites } });
    local = scimClient(running, 'LOCAL', await tokenFor(running, 'LOCAL'));
    partners = scimClient(running, 'PARTNERS', await tokenFor(running, 'PARTNERS'));
  });
  afterAll(async () => {
    await running?.stop();
    await redis?.stop();
  });

  it('a local directory user with no account gets one linked to that directory user', async () => {
    const user = await createLocalDirectory({ store: running.admit.store, siteId: 'LOCAL' }).addUser({ username: 'olga', password: 'Olga#Secret2026' });
    const created = await local('POST', '/Users', { schemas: [USER], userName: 'olga', emails: [{ value: 'olga@vendor.test' }] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((await accounts().find(created.body.id))?.externalId, user.id);
  });

  it('an account from an earlier sign-in: a create of its user name is 409, but Entra finds it by userName and PATCHes it', async () => {
    const user = await createLocalDirectory({ store: running.admit.store, siteId: 'LOCAL' }).addUser({ username: 'piet', password: 'Piet#Secret2026' });
    const account = await accounts().linkOrCreate('LOCAL', 'local', { externalId: user.id, username: 'piet', groups: [] });
    assert.equal((await local('POST', '/Users', { schemas: [USER], userName: 'PIET' })).body.scimType, 'uniqueness');
    const found = await local('GET', `/Users${filterQuery('userName eq "piet"')}`);
    assert.equal(found.body.Resources[0].id, account.id);
    const patched = await local('PATCH', `/Users/${account.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'externalId', value: 'hr-piet' }] });
    assert.equal(patched.body.externalId, 'hr-piet');
    assert.equal((await local('GET', `/Users${filterQuery('externalId eq "hr-piet"')}`)).body.Resources[0].id, account.id);
  });

  it('an Entra user who signed in before being provisioned: the create takes over that account (same link) under the new user name', async () => {
    const before = await accounts().linkOrCreate('PARTNERS', 'entra', { externalId: `${TENANT}:${oid(1)}`, username: 'rosa@old.test', groups: [] });
    const created = await partners('POST', '/Users', entraUser('rosa@partner.test', oid(1).toUpperCase(), 'rosa@partner.test'));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.id, before.id);
    assert.equal(created.body.userName, 'rosa@partner.test');
    assert.ok((await accounts().find(before.id))?.lastSignInAt, 'the sign-in it had is kept');
  });

  it("active true enables what provisioning disabled, never an account an admin disabled (the console's Enable decides)", async () => {
    const created = await partners('POST', '/Users', { ...entraUser('vera@partner.test', oid(5), 'vera@partner.test'), active: false });
    assert.equal(created.body.active, false);
    const enable = { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: true }] };
    assert.equal((await partners('PATCH', `/Users/${created.body.id}`, enable)).body.active, true, 'made disabled by provisioning: enabled by it');
    // The console's Disable (admin/actions: setStatus without a SCIM reason).
    await accounts().setStatus(created.body.id, 'disabled');
    const refused = await partners('PATCH', `/Users/${created.body.id}`, enable);
    assert.equal(refused.status, 200);
    assert.equal(refused.body.active, false, 'still disabled, and SCIM says so');
    assert.equal((await accounts().find(created.body.id))?.status, 'disabled');
    // Nor does a DELETE and a new create bring it back.
    assert.equal((await partners('DELETE', `/Users/${created.body.id}`)).status, 204);
    const again = await partners('POST', '/Users', entraUser('vera@partner.test', oid(5), 'vera@partner.test'));
    assert.equal(again.body.id, created.body.id);
    assert.equal(again.body.active, false);
  });

  it('PUT replaces what SCIM keeps (a missing name is cleared; a missing active leaves the status)', async () => {
    const created = await partners('POST', '/Users', entraUser('sam@partner.test', oid(2), 'sam@partner.test'));
    const put = await partners('PUT', `/Users/${created.body.id}`, { schemas: [USER], userName: 'sam@partner.test', externalId: oid(2), emails: [] });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.name, undefined);
    assert.deepEqual(put.body.emails, []);
    assert.equal(put.body.active, true);
    const account = await accounts().find(created.body.id);
    assert.equal(account?.name, undefined);
    assert.equal(account?.email, undefined);
    // Entra adds a work email to a user that has none with a filtered path: the entry is made.
    const added = await partners('PATCH', `/Users/${created.body.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Add', path: 'emails[type eq "work"].value', value: 'sam.new@partner.test' }],
    });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.equal((await accounts().find(created.body.id))?.email, 'sam.new@partner.test');
    assert.equal((await partners('PUT', `/Users/${created.body.id}`, { schemas: [USER] })).body.scimType, 'invalidValue');
    assert.equal((await partners('PUT', '/Users/nobody', { schemas: [USER], userName: 'x' })).status, 404);
  });

  it('parallel PATCHes of one user are applied one at a time: each answers 200, the last one stands', async () => {
    const { body } = await partners('POST', '/Users', entraUser('tia@partner.test', oid(3), 'tia@partner.test'));
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        partners('PATCH', `/Users/${body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: `Tia ${i}` }] }),
      ),
    );
    assert.deepEqual(
      answers.map((answer) => answer.status),
      [200, 200, 200, 200, 200],
    );
    const final = (await partners('GET', `/Users/${body.id}`)).body.displayName;
    assert.match(final, /^Tia [0-4]$/);
    assert.equal((await accounts().find(body.id))?.name, final);
  });

  it('listing without a filter pages through the site by user name; active eq true lists the active ones', async () => {
    const all = await partners('GET', '/Users?count=2');
    assert.equal(all.body.totalResults, 4);
    assert.equal(all.body.Resources.length, 2);
    assert.equal(all.body.itemsPerPage, 2);
    await partners('PATCH', `/Users/${all.body.Resources[0].id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
    assert.equal((await partners('GET', `/Users${filterQuery('active eq true')}`)).body.totalResults, 2);
    assert.equal((await partners('GET', '/Users?startIndex=0&count=500')).body.startIndex, 1);
  });

  it('a site without scim.tenantId takes externalId as <tenant id>:<object id> only; an Entra site needs an externalId', async () => {
    const multi = scimClient(running, 'MULTI', await tokenFor(running, 'MULTI'));
    const bare = await multi('POST', '/Users', entraUser('uma@partner.test', oid(4), 'uma@partner.test'));
    assert.equal(bare.status, 400);
    assert.match(bare.body.detail, /<tenant id>:<object id>/);
    const pair = await multi('POST', '/Users', entraUser('uma@partner.test', `${TENANT}:${oid(4)}`, 'uma@partner.test'));
    assert.equal(pair.status, 201, JSON.stringify(pair.body));
    assert.equal((await accounts().findLinked('MULTI', 'entra', `${TENANT}:${oid(4)}`))?.id, pair.body.id);
    const none = await partners('POST', '/Users', { schemas: [USER], userName: 'nobody@partner.test' });
    assert.equal(none.status, 400);
    assert.match(none.body.detail, /externalId is required/);
    assert.equal((await partners('GET', `/Users${filterQuery('userName eq "nobody@partner.test"')}`)).body.totalResults, 0);
  });
});
