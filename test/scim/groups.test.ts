import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { groupNameKey } from '../../src/scim/group-store.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { type RunningRedis, startRedis } from '../support/redis-server.ts';
import { ENTRA_DIRECTORY, entraUser, filterQuery, PATCH_OP, scimClient, TENANT, tokenFor } from './scim-client.ts';

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const sites = [{ id: 'PARTNERS', displayName: 'Partner Center', directory: ENTRA_DIRECTORY, scim: { tenantId: TENANT } }];
const oid = (n: number) => `7b7e0c11-0000-4000-8000-${String(n).padStart(12, '0')}`;
const values = (group: { members?: { value: string }[] }) => (group.members ?? []).map((member) => member.value).sort();

/**
 * Groups beyond Entra's basic calls: listing and filters from the name
 * index, PUT and member replacement, externalId, renames into a taken name,
 * ETags, parallel member changes (one at a time under the group's lock).
 */
describe.each(['SQLite', 'Redis'])('SCIM Groups (%s)', (backend) => {
  let redis: RunningRedis | undefined;
  let running: RunningAdmit;
  let scim: ReturnType<typeof scimClient>;
  const users: string[] = [];
  const groupsOf = async (id: string) => (await createAccountService({ store: running.admit.store }).find(id))?.groups ?? [];

  beforeAll(async () => {
    if (backend === 'Redis') redis = await startRedis();
    running = await startAdmit({ store: redis?.url, config: { sites } });
    scim = scimClient(running, 'PARTNERS', await tokenFor(running, 'PARTNERS'));
    for (let i = 0; i < 4; i += 1) users.push((await scim('POST', '/Users', entraUser(`member${i}`, oid(i), `member${i}@partner.test`))).body.id);
  });
  afterAll(async () => {
    await running?.stop();
    await redis?.stop();
  });

  it('lists groups by name a page at a time, and finds them by displayName sw, externalId, id, or and a members filter', async () => {
    const ids: string[] = [];
    for (const name of ['Alpha', 'Beta', 'Gamma', 'Alpine']) {
      const created = await scim('POST', '/Groups', {
        schemas: [GROUP],
        displayName: name,
        externalId: `ext-${name}`,
        members: name === 'Beta' ? [{ value: users[0] }] : [],
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      ids.push(created.body.id);
    }
    const all = await scim('GET', '/Groups?excludedAttributes=members');
    assert.equal(all.body.totalResults, 4);
    assert.deepEqual(
      all.body.Resources.map((group: { displayName: string }) => group.displayName),
      ['Alpha', 'Alpine', 'Beta', 'Gamma'],
    );
    const page = await scim('GET', '/Groups?startIndex=2&count=2&attributes=displayName');
    assert.deepEqual(
      page.body.Resources.map((group: { displayName: string }) => group.displayName),
      ['Alpine', 'Beta'],
    );
    assert.equal('members' in page.body.Resources[0], false);
    assert.equal((await scim('GET', `/Groups${filterQuery('displayName sw "alp"')}`)).body.totalResults, 2);
    assert.equal((await scim('GET', `/Groups${filterQuery('externalId eq "ext-Gamma"')}`)).body.Resources[0].id, ids[2]);
    assert.equal((await scim('GET', `/Groups${filterQuery('externalId eq "EXT-GAMMA"')}`)).body.totalResults, 0, 'externalId is caseExact');
    assert.equal((await scim('GET', `/Groups${filterQuery(`id eq "${ids[0]}" or displayName eq "gamma"`)}`)).body.totalResults, 2);
    const withMember = await scim('GET', `/Groups${filterQuery(`displayName sw "" and members eq "${users[0]}"`, '&excludedAttributes=members')}`);
    assert.deepEqual(
      withMember.body.Resources.map((group: { displayName: string }) => group.displayName),
      ['Beta'],
    );
    assert.equal('members' in withMember.body.Resources[0], false);
    assert.equal((await scim('GET', `/Groups${filterQuery('displayName sw "a" or displayName sw "b"')}`)).body.scimType, 'invalidFilter');
    assert.equal((await scim('GET', '/Groups?startIndex=999&count=10')).body.scimType, 'tooMany');
    assert.equal((await scim('GET', `/Groups/${'x'.repeat(101)}`)).status, 404);
  });

  it('PUT replaces name, externalId and members; the accounts follow', async () => {
    const created = await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Team', members: [{ value: users[0] }, { value: users[1] }] });
    const put = await scim('PUT', `/Groups/${created.body.id}`, {
      schemas: [GROUP],
      displayName: 'Team Two',
      externalId: 'team-2',
      members: [{ value: users[1] }, { value: users[2] }],
    });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(values(put.body), [users[1], users[2]].sort());
    assert.equal(put.body.externalId, 'team-2');
    assert.deepEqual(await groupsOf(users[0]!), ['Beta']);
    assert.ok((await groupsOf(users[1]!)).includes('Team Two'));
    assert.ok(!(await groupsOf(users[1]!)).includes('Team'));
    assert.ok((await groupsOf(users[2]!)).includes('Team Two'));
  });

  it('PATCH: replace members, remove all, no-path displayName, externalId replace and remove; refusals change nothing', async () => {
    const { body } = await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Ops', externalId: 'ops' });
    const patch = (operations: unknown[], headers: Record<string, string> = {}) =>
      scim('PATCH', `/Groups/${body.id}`, { schemas: [PATCH_OP], Operations: operations }, headers);
    assert.equal((await patch([{ op: 'replace', path: 'members', value: [{ value: users[0] }, { value: users[3] }] }])).status, 204);
    assert.deepEqual(values((await scim('GET', `/Groups/${body.id}`)).body), [users[0], users[3]].sort());
    assert.equal((await patch([{ op: 'replace', value: { displayName: 'Operations', externalId: 'ops-2' } }])).status, 204);
    let group = (await scim('GET', `/Groups/${body.id}`)).body;
    assert.equal(group.displayName, 'Operations');
    assert.equal(group.externalId, 'ops-2');
    assert.ok((await groupsOf(users[3]!)).includes('Operations'));
    assert.equal((await patch([{ op: 'remove', path: 'externalId' }])).status, 204);
    assert.equal('externalId' in (await scim('GET', `/Groups/${body.id}`)).body, false);
    assert.equal((await patch([{ op: 'remove', path: 'members' }])).status, 204);
    assert.deepEqual(values((await scim('GET', `/Groups/${body.id}`)).body), []);
    assert.ok(!(await groupsOf(users[3]!)).includes('Operations'));

    const version = (await scim('GET', `/Groups/${body.id}`)).body.meta.version;
    const refusals: [unknown[], number, string | undefined][] = [
      [[{ op: 'remove', path: 'displayName' }], 400, 'mutability'],
      [[{ op: 'replace', path: 'description', value: 'x' }], 400, 'invalidPath'],
      [[{ op: 'replace', path: 'displayName', value: 'Alpha' }], 409, 'uniqueness'],
      [[{ op: 'replace', path: 'externalId', value: 'ext-Alpha' }], 409, 'uniqueness'],
      [[{ op: 'add', path: 'members', value: [{ value: users[0] }, { value: 'nobody' }] }], 400, 'invalidValue'],
      [[{ op: 'add', path: 'members', value: 'not a list of members' }], 400, 'invalidValue'],
    ];
    for (const [operations, status, scimType] of refusals) {
      const answer = await patch(operations);
      assert.equal(answer.status, status, JSON.stringify(operations));
      assert.equal(answer.body.scimType, scimType);
    }
    group = (await scim('GET', `/Groups/${body.id}`)).body;
    assert.equal(group.displayName, 'Operations');
    assert.deepEqual(values(group), [], 'the refused add added nobody');
    assert.equal((await patch([{ op: 'add', path: 'members', value: [{ value: users[0] }] }], { 'if-match': 'W/"v1"' })).status, 412);
    assert.equal((await scim('DELETE', `/Groups/${body.id}`, undefined, { 'if-match': 'W/"v1"' })).status, 412);
    assert.equal((await patch([{ op: 'add', path: 'members', value: { value: users[0] } }], { 'if-match': version })).status, 204);
    assert.equal((await scim('PUT', `/Groups/${body.id}`, { schemas: [GROUP], displayName: 'Ops' }, { 'if-match': version })).status, 412);
  });

  it('a duplicate displayName or externalId at create is 409; parallel member adds to one group all land', async () => {
    assert.equal((await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'ALPHA' })).status, 409);
    const dup = await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Delta', externalId: 'ext-Beta' });
    assert.equal(dup.status, 409);
    assert.equal((await scim('GET', `/Groups${filterQuery('displayName eq "Delta"')}`)).body.totalResults, 0, 'the refused group left no name behind');
    assert.equal((await scim('POST', '/Groups', { schemas: [GROUP] })).body.scimType, 'invalidValue');
    // A name claimed by a group that was never written (a process killed in between) is taken over.
    await running.admit.store.set(groupNameKey('PARTNERS', 'Orphan'), 'never-written');
    assert.equal((await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'orphan' })).status, 201);
    const { body } = await scim('POST', '/Groups', { schemas: [GROUP], displayName: 'Crowd' });
    const answers = await Promise.all(
      users.map((id) => scim('PATCH', `/Groups/${body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }] })),
    );
    assert.deepEqual(
      answers.map((answer) => answer.status),
      [204, 204, 204, 204],
    );
    const group = (await scim('GET', `/Groups/${body.id}`)).body;
    assert.deepEqual(values(group), [...users].sort());
    assert.equal(group.meta.version, 'W/"v5"', 'four changes, one at a time');
    for (const id of users) assert.ok((await groupsOf(id)).includes('Crowd'));
  });
});
