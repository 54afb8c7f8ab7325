import assert from 'node:assert/strict';
import pino from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createAccountService } from '../../src/services/accounts.ts';
import { createAuditLog } from '../../src/services/audit/audit-log.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { type RunningRedis, startRedis } from '../support/redis-server.ts';
import { ENTRA_DIRECTORY, entraUser, filterQuery, PATCH_OP, scimClient, TENANT, tokenFor } from './scim-client.ts';

/**
 * The request sequences Microsoft Entra's provisioning service sends to a
 * SCIM endpoint, as Microsoft documents them ("Tutorial: Develop and plan
 * provisioning for a SCIM endpoint in Microsoft Entra ID": User and Group
 * operations; "Known issues … SCIM 2.0 protocol compliance": "Replace" in
 * title case, active as "False", add / replace without a path, the older
 * members[value eq …] remove), replayed against a site whose users sign in
 * at Entra, on SQLite and on Redis.
 */
const sites = [{ id: 'PARTNERS', displayName: 'Partner Center', directory: ENTRA_DIRECTORY, signUp: { mode: 'invitation' }, scim: { tenantId: TENANT } }];
const OBJECT_ID = '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef';
const USER_NAME = 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1';

describe.each(['SQLite', 'Redis'])('Entra provisioning sequences (%s)', (backend) => {
  let redis: RunningRedis | undefined;
  let running: RunningAdmit;
  let scim: ReturnType<typeof scimClient>;
  const accounts = () => createAccountService({ store: running.admit.store });
  const scimEvents = async () => {
    const audit = createAuditLog({ logger: pino({ level: 'silent' }), store: running.admit.store });
    const today = new Date().toISOString().slice(0, 10);
    const found = [];
    for await (const event of audit.events({ scope: { allSites: true }, action: 'scim.', from: today, to: today, oldestFirst: true })) found.push(event);
    return found;
  };

  beforeAll(async () => {
    if (backend === 'Redis') redis = await startRedis();
    running = await startAdmit({ store: redis?.url, config: { sites } });
    scim = scimClient(running, 'PARTNERS', await tokenFor(running, 'PARTNERS'));
  });
  afterAll(async () => {
    await running?.stop();
    await redis?.stop();
  });

  let userId: string;

  it('Get User by query, zero results: an empty ListResponse', async () => {
    const answer = await scim('GET', `/Users${filterQuery('userName eq "non-existent user"')}`);
    assert.equal(answer.status, 200);
    assert.match(answer.headers.get('content-type') ?? '', /^application\/scim\+json/);
    assert.deepEqual(answer.body, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 0,
      startIndex: 1,
      itemsPerPage: 0,
      Resources: [],
    });
  });

  it('Create User: 201 with id, Location and ETag; the account is linked to <tenant>:<object id>, the identity its Entra sign-in finds', async () => {
    const answer = await scim('POST', '/Users', entraUser(USER_NAME, OBJECT_ID));
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    userId = answer.body.id;
    assert.equal(answer.headers.get('location'), `${running.issuer}/scim/v2/PARTNERS/Users/${userId}`);
    assert.equal(answer.headers.get('etag'), answer.body.meta.version);
    assert.equal(answer.body.userName, USER_NAME);
    assert.equal(answer.body.externalId, OBJECT_ID);
    assert.equal(answer.body.active, true);
    assert.deepEqual(answer.body.name, { formatted: 'givenName familyName', givenName: 'givenName', familyName: 'familyName' });
    assert.deepEqual(answer.body.emails, [{ value: `${USER_NAME}@partner.test`, type: 'work', primary: true }]);
    const linked = await accounts().findLinked('PARTNERS', 'entra', `${TENANT}:${OBJECT_ID}`);
    assert.equal(linked?.id, userId);
    assert.equal(linked?.status, 'active');
    assert.equal(linked?.lastSignInAt, undefined, 'nobody signed in yet');
    const [created] = (await scimEvents()).filter((event) => event.action === 'scim.user.create');
    assert.equal(created?.actor, 'scim');
    assert.equal(created?.site, 'PARTNERS');
    assert.equal(created?.accountId, userId);
  });

  it('Get User by query (userName eq, any case; externalId eq) and Get User by id', async () => {
    for (const filter of [`userName eq "${USER_NAME}"`, `userName eq "${USER_NAME.toUpperCase()}"`, `externalId eq "${OBJECT_ID}"`]) {
      const answer = await scim('GET', `/Users${filterQuery(filter)}`);
      assert.equal(answer.body.totalResults, 1, filter);
      assert.equal(answer.body.Resources[0].id, userId);
    }
    // As Entra encodes it on the wire: spaces as '+', quotes as %22.
    const wire = await scim('GET', `/Users?filter=userName+eq+%22${encodeURIComponent(USER_NAME)}%22`);
    assert.equal(wire.body.totalResults, 1);
    const byId = await scim('GET', `/Users/${userId}`);
    assert.equal(byId.status, 200);
    assert.equal(byId.body.userName, USER_NAME);
  });

  it('Update User, multi-valued properties: "Replace" of emails[type eq "work"].value and name.familyName', async () => {
    const answer = await scim('PATCH', `/Users/${userId}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@partner.test' },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
      ],
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.emails[0].value, 'updatedEmail@partner.test');
    assert.equal(answer.body.name.familyName, 'updatedFamilyName');
    assert.equal((await accounts().find(userId))?.email, 'updatedEmail@partner.test');
  });

  it('Update User, single-valued: Replace userName; the old name finds nobody, the new one the same account', async () => {
    const renamed = '5b50642d-79fc-4410-9e90-4c077cdd1a59@partner.test';
    const answer = await scim('PATCH', `/Users/${userId}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'userName', value: renamed }] });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.userName, renamed);
    assert.equal((await scim('GET', `/Users${filterQuery(`userName eq "${USER_NAME}"`)}`)).body.totalResults, 0);
    assert.equal((await scim('GET', `/Users${filterQuery(`userName eq "${renamed}"`)}`)).body.Resources[0].id, userId);
    assert.equal((await accounts().findByUsername('PARTNERS', renamed))?.id, userId);
  });

  it("Entra's add / replace without a path (an object of attribute paths) and an add to emails without a filter", async () => {
    let answer = await scim('PATCH', `/Users/${userId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', value: { 'name.givenName': 'Ann', displayName: 'Ann Example', 'emails[type eq "work"].value': 'ann@partner.test' } }],
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.name.givenName, 'Ann');
    assert.equal(answer.body.displayName, 'Ann Example');
    assert.equal((await accounts().find(userId))?.name, 'Ann Example');
    assert.equal((await accounts().find(userId))?.email, 'ann@partner.test');
    answer = await scim('PATCH', `/Users/${userId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Add', path: 'emails', value: [{ value: 'ann.private@partner.test', type: 'other' }] }],
    });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal((await accounts().find(userId))?.email, 'ann@partner.test', 'the primary address stays the one kept');
  });

  it('Disable User: Replace active "False" (the string) disables the account and audits it; "True" enables it again', async () => {
    let answer = await scim('PATCH', `/Users/${userId}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.active, false);
    assert.equal((await accounts().find(userId))?.status, 'disabled');
    assert.ok((await scimEvents()).some((event) => event.action === 'scim.user.disable' && event.accountId === userId && event.actor === 'scim'));
    answer = await scim('PATCH', `/Users/${userId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: 'True' }] });
    assert.equal(answer.body.active, true);
    assert.equal((await accounts().find(userId))?.status, 'active');
    // The boolean form (Entra with the SCIM compliance flag) works the same.
    answer = await scim('PATCH', `/Users/${userId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
    assert.equal(answer.body.active, false);
    answer = await scim('PATCH', `/Users/${userId}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: true } }] });
    assert.equal(answer.body.active, true);
  });

  it('Groups: create, get by displayName (excludedAttributes=members), add members, rename, remove members both ways, delete', async () => {
    const created = await scim('POST', '/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group', 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'displayName',
      meta: { resourceType: 'Group' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(created.body.members, []);
    const groupId = created.body.id;

    const query = await scim('GET', `/Groups${filterQuery('displayName eq "displayName"', '&excludedAttributes=members')}`);
    assert.equal(query.body.totalResults, 1);
    assert.equal(query.body.Resources[0].id, groupId);
    assert.equal('members' in query.body.Resources[0], false);
    assert.equal((await scim('GET', `/Groups/${groupId}?excludedAttributes=members`)).body.displayName, 'displayName');

    let answer = await scim('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: userId }] }],
    });
    assert.equal(answer.status, 204);
    assert.ok((await accounts().find(userId))?.groups.includes('displayName'));
    assert.deepEqual(
      (await scim('GET', `/Groups/${groupId}`)).body.members.map((member: { value: string }) => member.value),
      [userId],
    );

    answer = await scim('PATCH', `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'displayName', value: 'Partner Sales' }] });
    assert.equal(answer.status, 204);
    const renamed = await accounts().find(userId);
    assert.ok(renamed?.groups.includes('Partner Sales') && !renamed.groups.includes('displayName'));
    assert.ok(renamed?.grantedGroups?.includes('Partner Sales'), 'kept through a sign-in whatever the token says');

    answer = await scim('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'Remove', path: 'members', value: [{ $ref: null, value: userId }] }],
    });
    assert.equal(answer.status, 204);
    assert.equal((await accounts().find(userId))?.groups.includes('Partner Sales'), false);
    assert.deepEqual((await scim('GET', `/Groups/${groupId}`)).body.members, []);

    await scim('PATCH', `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: userId }] }] });
    answer = await scim('PATCH', `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: `members[value eq "${userId}"]` }] });
    assert.equal(answer.status, 204, JSON.stringify(answer.body));
    assert.equal((await accounts().find(userId))?.groups.includes('Partner Sales'), false);

    await scim('PATCH', `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: userId }] }] });
    assert.equal((await scim('DELETE', `/Groups/${groupId}`)).status, 204);
    assert.equal((await scim('GET', `/Groups/${groupId}`)).status, 404);
    assert.equal((await accounts().find(userId))?.groups.includes('Partner Sales'), false, 'a deleted group leaves its members');
    const actions = (await scimEvents()).map((event) => event.action);
    assert.ok(actions.includes('scim.group.create') && actions.includes('scim.group.update') && actions.includes('scim.group.delete'));
  });

  it('Delete User: 204, then 404 and not found by query; the account is disabled; a new create of the same user brings the account back', async () => {
    const userName = (await scim('GET', `/Users/${userId}`)).body.userName;
    assert.equal((await scim('DELETE', `/Users/${userId}`)).status, 204);
    assert.equal((await scim('GET', `/Users/${userId}`)).status, 404);
    assert.equal((await scim('GET', `/Users${filterQuery(`userName eq "${userName}"`)}`)).body.totalResults, 0);
    assert.equal((await accounts().find(userId))?.status, 'disabled');
    const again = await scim('POST', '/Users', entraUser(userName, OBJECT_ID, 'ann@partner.test'));
    assert.equal(again.status, 201, JSON.stringify(again.body));
    assert.equal(again.body.id, userId, 'the same account (its link, its history)');
    assert.equal((await accounts().find(userId))?.status, 'active');
    // Entra's soft delete (active false) then the delete: the account was disabled once, so the delete says it already was.
    await scim('PATCH', `/Users/${userId}`, { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: 'False' }] });
    assert.equal((await scim('DELETE', `/Users/${userId}`)).status, 204);
    const deletes = (await scimEvents()).filter((event) => event.action === 'scim.user.delete').map((event) => event.outcome);
    assert.deepEqual(deletes, ['ok', 'already_disabled']);
  });

  it('ServiceProviderConfig, Schemas and ResourceTypes describe what the endpoint serves', async () => {
    const config = await scim('GET', '/ServiceProviderConfig');
    assert.equal(config.body.patch.supported, true);
    assert.equal(config.body.etag.supported, true);
    assert.equal(config.body.bulk.supported, false);
    assert.equal(config.body.authenticationSchemes[0].type, 'oauthbearertoken');
    const types = await scim('GET', '/ResourceTypes');
    assert.deepEqual(
      types.body.Resources.map((type: { endpoint: string }) => type.endpoint),
      ['/Users', '/Groups'],
    );
    assert.equal((await scim('GET', '/ResourceTypes/User')).body.schema, 'urn:ietf:params:scim:schemas:core:2.0:User');
    const schemas = await scim('GET', '/Schemas');
    assert.equal(schemas.body.totalResults, 2);
    const user = await scim('GET', '/Schemas/urn:ietf:params:scim:schemas:core:2.0:User');
    assert.ok(user.body.attributes.some((attribute: { name: string }) => attribute.name === 'userName'));
    assert.equal((await scim('GET', '/Schemas/urn:nothing')).status, 404);
    assert.equal((await scim('GET', '/ResourceTypes/Device')).status, 404);
  });
});
