import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createAccountService } from '../../src/services/accounts.ts';
import { createScimTokens } from '../../src/services/scim-tokens.ts';
import { storeKey } from '../../src/store/port.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { type RunningRedis, startRedis } from '../support/redis-server.ts';
import { ENTRA_DIRECTORY, entraUser, filterQuery, PATCH_OP, scimClient, TENANT, tokenFor } from './scim-client.ts';

/**
 * What the SCIM endpoint refuses, and that a refusal changes nothing:
 * tokens (none, wrong, another site's, rotated away), bodies (not JSON,
 * not an object, too large), filters (too long, too deep, not servable
 * from an index), uniqueness (also under a race), ETags, the rate limit,
 * paths that would reach a prototype, ids of another site.
 */
const sites = [
  { id: 'PARTNERS', displayName: 'Partner Center', directory: ENTRA_DIRECTORY, scim: { tenantId: TENANT } },
  { id: 'OTHER', displayName: 'Other partner', directory: ENTRA_DIRECTORY, scim: { tenantId: TENANT } },
  { id: 'SLOW', displayName: 'Rate-limited', directory: { kind: 'local' }, scim: { requestsPerMinute: 10 } },
  {
    id: 'CORP',
    displayName: 'LDAP site',
    directory: { kind: 'ldap', flavor: 'openldap', urls: ['ldap://127.0.0.1:9'], bindDn: 'cn=admit,dc=corp', bindPassword: 'x', userBase: 'ou=people,dc=corp' },
  },
];
const oid = (n: number) => `0a21f0f2-8d2a-4f8e-bf98-${String(n).padStart(12, '0')}`;

describe.each(['SQLite', 'Redis'])('SCIM refusals (%s)', (backend) => {
  let redis: RunningRedis | undefined;
  let running: RunningAdmit;
  let scim: ReturnType<typeof scimClient>;
  let partnersToken: string;
  let otherToken: string;
  const accounts = () => createAccountService({ store: running.admit.store });
  const usersNamed = async (name: string) => (await scim('GET', `/Users${filterQuery(`userName eq "${name}"`)}`)).body.totalResults;

  beforeAll(async () => {
    if (backend === 'Redis') redis = await startRedis();
    running = await startAdmit({ store: redis?.url, config: { sites } });
    partnersToken = await tokenFor(running, 'PARTNERS');
    otherToken = await tokenFor(running, 'OTHER');
    scim = scimClient(running, 'PARTNERS', partnersToken);
  });
  afterAll(async () => {
    await running?.stop();
    await redis?.stop();
  });

  it("no token, a wrong one, another site's, a rotated one: 401 with a SCIM error and WWW-Authenticate, and nothing is created", async () => {
    const rotated = createScimTokens({ store: running.admit.store });
    const old = (await rotated.issue('OTHER', 'test')).token;
    otherToken = (await rotated.issue('OTHER', 'test')).token;
    const attempts: [string, string | undefined][] = [
      ['PARTNERS', undefined],
      ['PARTNERS', 'admit_scim_not-the-token'],
      ['PARTNERS', 'something else entirely'],
      ['PARTNERS', otherToken],
      ['OTHER', partnersToken],
      ['OTHER', old],
      ['NOSITE', partnersToken],
      ['CORP', partnersToken],
    ];
    for (const [site, token] of attempts) {
      const answer = await scimClient(running, site, token)('POST', '/Users', entraUser(`intruder-${site}`, oid(900)));
      assert.equal(answer.status, 401, `${site} ${token}`);
      assert.equal(answer.body.schemas[0], 'urn:ietf:params:scim:api:messages:2.0:Error');
      assert.match(answer.headers.get('www-authenticate') ?? '', /^Bearer/);
    }
    assert.equal(await usersNamed('intruder-PARTNERS'), 0);
    assert.equal(
      await scimClient(running, 'OTHER', otherToken)('GET', `/Users${filterQuery('userName eq "intruder-OTHER"')}`).then((a) => a.body.totalResults),
      0,
    );
    assert.equal((await accounts().findLinked('PARTNERS', 'entra', `${TENANT}:${oid(900)}`)) ?? null, null);
    assert.equal((await scimClient(running, 'OTHER', otherToken)('GET', '/ServiceProviderConfig')).status, 200, 'the new token works');
  });

  it("a user of another site is not found by id, and another site's token cannot touch it", async () => {
    const created = await scim('POST', '/Users', entraUser('carla', oid(1), 'carla@partner.test'));
    assert.equal(created.status, 201);
    const other = scimClient(running, 'OTHER', otherToken);
    assert.equal((await other('GET', `/Users/${created.body.id}`)).status, 404);
    assert.equal(
      (await other('PATCH', `/Users/${created.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] })).status,
      404,
    );
    assert.equal((await other('DELETE', `/Users/${created.body.id}`)).status, 404);
    assert.equal((await accounts().find(created.body.id))?.status, 'active');
    assert.equal((await other('GET', `/Users${filterQuery('userName eq "carla"')}`)).body.totalResults, 0);
    assert.equal((await other('GET', `/Users${filterQuery(`id eq "${created.body.id}"`)}`)).body.totalResults, 0);
  });

  it('the token is stored as its SHA-256 only, never in clear', async () => {
    const raw = (await running.admit.store.get(storeKey('scim-token', 'PARTNERS'))) ?? '';
    assert.ok(raw.includes(createHash('sha256').update(partnersToken).digest('base64url')));
    assert.ok(!raw.includes(partnersToken.slice(15)), 'no part of the token past its shown hint');
  });

  it('a duplicate userName (any case) or externalId is 409 uniqueness; an externalId that is not an object id is 400', async () => {
    // The canonical user-name key: case, width (fullwidth ｃａｒｌａ) and spaces make no other name.
    for (const body of [
      entraUser('CARLA', oid(2), 'c2@partner.test'),
      entraUser('ｃａｒｌａ ', oid(8), 'c4@partner.test'),
      entraUser('carla2', oid(1), 'c3@partner.test'),
    ]) {
      const answer = await scim('POST', '/Users', body);
      assert.equal(answer.status, 409, JSON.stringify(answer.body));
      assert.equal(answer.body.scimType, 'uniqueness');
    }
    const nickname = await scim('POST', '/Users', entraUser('nick', 'nick.name', 'nick@partner.test'));
    assert.equal(nickname.status, 400);
    assert.equal(nickname.body.scimType, 'invalidValue');
    assert.match(nickname.body.detail, /objectId/);
    assert.equal(await usersNamed('carla2'), 0);
    assert.equal(await usersNamed('nick'), 0);
  });

  it('parallel creates of one userName: exactly one wins, the others are 409, one account', async () => {
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => scim('POST', '/Users', entraUser('racer', oid(100 + i), `racer${i}@partner.test`))));
    assert.deepEqual(answers.map((answer) => answer.status).sort(), [201, 409, 409, 409, 409, 409, 409, 409]);
    assert.equal(await usersNamed('racer'), 1);
    const winner = answers.find((answer) => answer.status === 201)!;
    assert.equal((await accounts().findByUsername('PARTNERS', 'racer'))?.id, winner.body.id);
  });

  it('bodies: not JSON, not an object, another media type, larger than 512 KB: refused, nothing created', async () => {
    const cases: [string | undefined, unknown, number][] = [
      [undefined, '{"userName": "broken"', 400],
      [undefined, '[{"userName": "array"}]', 400],
      ['text/plain', JSON.stringify(entraUser('plain', oid(3))), 415],
      [undefined, JSON.stringify({ ...entraUser('huge', oid(4)), padding: 'x'.repeat(600 * 1024) }), 413],
      [undefined, JSON.stringify({ ...entraUser('noschema', oid(5)), schemas: [] }), 400],
      [undefined, JSON.stringify({ ...entraUser('bad\u200bname', oid(6)) }), 400],
    ];
    for (const [type, body, status] of cases) {
      const answer = await scim('POST', '/Users', body, type ? { 'content-type': type } : {});
      assert.equal(answer.status, status, `${String(body).slice(0, 40)}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.schemas[0], 'urn:ietf:params:scim:api:messages:2.0:Error');
    }
    for (const name of ['broken', 'plain', 'huge', 'noschema']) assert.equal(await usersNamed(name), 0);
  });

  it('filters: too long, too deep, too many terms, not SCIM, or not servable from an index are 400 invalidFilter', async () => {
    const refused = [
      `userName eq "${'a'.repeat(1001)}"`,
      `${'('.repeat(6)}userName eq "a"${')'.repeat(6)}`,
      `${'not ('.repeat(6)}userName eq "a"${')'.repeat(6)}`,
      Array.from({ length: 13 }, (_, i) => `userName eq "u${i}"`).join(' or '),
      'userName eq',
      'userName ~ "x"',
      'name.familyName eq "Doe"',
      'userName co "arl"',
      'userName ne "carla"',
      'active eq false',
      'userName sw "c" or userName sw "r"',
      'emails co "partner.test"',
    ];
    for (const filter of refused) {
      const answer = await scim('GET', `/Users${filterQuery(filter)}`);
      assert.equal(answer.status, 400, filter);
      assert.equal(answer.body.scimType, 'invalidFilter', filter);
    }
    assert.equal((await scim('GET', `/Groups${filterQuery('members pr')}`)).body.scimType, 'invalidFilter');
    assert.equal((await scim('GET', '/Users?filter=a&filter=b')).status, 400);
    assert.equal((await scim('GET', '/Users?count=ten')).status, 400);
  });

  it('filters served from the indexes: sw, co "@domain", displayName, and / or of look-ups, with startIndex and count', async () => {
    for (let i = 0; i < 5; i += 1) assert.equal((await scim('POST', '/Users', entraUser(`page${i}`, oid(200 + i), `page${i}@paging.test`))).status, 201);
    const page = await scim('GET', `/Users${filterQuery('userName sw "page"', '&startIndex=3&count=2')}`);
    assert.equal(page.body.totalResults, 5);
    assert.equal(page.body.startIndex, 3);
    assert.deepEqual(
      page.body.Resources.map((user: { userName: string }) => user.userName),
      ['page2', 'page3'],
    );
    assert.equal((await scim('GET', `/Users${filterQuery('emails co "@paging.test"')}`)).body.totalResults, 5);
    assert.equal((await scim('GET', `/Users${filterQuery('emails[type eq "work" and value eq "PAGE1@paging.test"]')}`)).body.totalResults, 1);
    assert.equal((await scim('GET', `/Users${filterQuery('emails[type eq "work"].value eq "page1@paging.test"')}`)).body.totalResults, 1);
    assert.equal((await scim('GET', `/Users${filterQuery('userName eq "page1" or userName eq "page4" or id eq "nobody"')}`)).body.totalResults, 2);
    assert.equal((await scim('GET', `/Users${filterQuery('userName sw "page" and emails.value eq "page2@paging.test"')}`)).body.totalResults, 1);
    assert.equal((await scim('GET', `/Users${filterQuery('displayName sw "givenName" and userName sw "page"')}`)).body.totalResults, 5);
    assert.equal((await scim('GET', `/Users${filterQuery('userName sw "page"', '&count=0')}`)).body.Resources.length, 0);
    const tooFar = await scim('GET', `/Users${filterQuery('userName sw "page"', '&startIndex=990&count=20')}`);
    assert.equal(tooFar.status, 400);
    assert.equal(tooFar.body.scimType, 'tooMany');
  });

  it('If-Match with another version is 412 and changes nothing; the current version (or *) is accepted', async () => {
    const user = (await scim('GET', `/Users${filterQuery('userName eq "carla"')}`)).body.Resources[0];
    const change = { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Carla Changed' }] };
    const stale = await scim('PATCH', `/Users/${user.id}`, change, { 'if-match': 'W/"not-this-one"' });
    assert.equal(stale.status, 412);
    assert.equal((await scim('GET', `/Users/${user.id}`)).body.meta.version, user.meta.version, 'unchanged');
    const fresh = await scim('PATCH', `/Users/${user.id}`, change, { 'if-match': user.meta.version });
    assert.equal(fresh.status, 200);
    assert.notEqual(fresh.body.meta.version, user.meta.version);
    assert.equal((await scim('PUT', `/Users/${user.id}`, { ...fresh.body, displayName: 'Carla' }, { 'if-match': user.meta.version })).status, 412);
    assert.equal((await scim('DELETE', `/Users/${user.id}`, undefined, { 'if-match': user.meta.version })).status, 412);
    assert.equal((await scim('PUT', `/Users/${user.id}`, { ...fresh.body, displayName: 'Carla' }, { 'if-match': '*' })).status, 200);
  });

  it('PATCH refusals: an unknown op, a remove without a path, a path reaching a prototype, a change of externalId', async () => {
    const { id } = (await scim('GET', `/Users${filterQuery('userName eq "carla"')}`)).body.Resources[0];
    const cases: [unknown[], string][] = [
      [[{ op: 'move', path: 'userName', value: 'x' }], 'invalidSyntax'],
      [[{ op: 'remove' }], 'noTarget'],
      [[{ op: 'add', path: '__proto__.polluted', value: 'yes' }], 'invalidPath'],
      [[{ op: 'add', value: { constructor: { prototype: { polluted: 'yes' } } } }], 'invalidPath'],
      [[{ op: 'replace', path: 'externalId', value: oid(77) }], 'mutability'],
      [[{ op: 'replace', path: 'userName', value: 'racer' }], 'uniqueness'],
      [[{ op: 'replace', path: 'emails', value: [{ value: 'not-an-email' }] }], 'invalidValue'],
    ];
    for (const [operations, scimType] of cases) {
      const answer = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: operations });
      assert.equal(answer.body.scimType, scimType, JSON.stringify(operations));
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((await scim('PATCH', `/Users/${id}`, { Operations: [{ op: 'replace', path: 'active', value: false }] })).status, 400, 'no PatchOp schema');
    assert.equal((await accounts().find(id))?.status, 'active');
  });

  it("groups: another site's user as a member is 400 and changes nothing; a duplicate displayName is 409", async () => {
    const foreign = await scimClient(running, 'OTHER', otherToken)('POST', '/Users', entraUser('outsider', oid(300), 'out@other.test'));
    assert.equal(foreign.status, 201);
    const group = await scim('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Resellers' });
    assert.equal(group.status, 201);
    const answer = await scim('PATCH', `/Groups/${group.body.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: [{ value: foreign.body.id }] }],
    });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.scimType, 'invalidValue');
    assert.deepEqual((await accounts().find(foreign.body.id))?.groups, []);
    const duplicate = await scim('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'resellers' });
    assert.equal(duplicate.status, 409);
    assert.equal(duplicate.body.scimType, 'uniqueness');
    assert.equal((await scimClient(running, 'OTHER', otherToken)('GET', `/Groups/${group.body.id}`)).status, 404);
  });

  it('another resource or method under the endpoint is a SCIM 404', async () => {
    for (const [method, path] of [
      ['GET', '/Devices'],
      ['DELETE', '/ServiceProviderConfig'],
      ['POST', '/Users/some-id'],
      ['GET', '/Bulk'],
    ] as const) {
      const answer = await scim(method, path);
      assert.equal(answer.status, 404, `${method} ${path}`);
      assert.equal(answer.body.schemas[0], 'urn:ietf:params:scim:api:messages:2.0:Error');
    }
  });

  it('a write to a user another write holds is answered 503 with Retry-After after waiting, and changes nothing', async () => {
    const { id } = (await scim('GET', `/Users${filterQuery('userName eq "carla"')}`)).body.Resources[0];
    // A writer holding the user's lock (another instance mid-PATCH, say).
    await running.admit.store.set(storeKey('scim-lock', id), 'someone-else', { ttlSeconds: 30 });
    const started = Date.now();
    const busy = await scim('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'active', value: false }] });
    assert.equal(busy.status, 503);
    assert.ok(Date.now() - started >= 1500, 'it waited for the lock first');
    assert.equal(busy.headers.get('retry-after'), '5');
    assert.equal((await accounts().find(id))?.status, 'active');
    await running.admit.store.delete(storeKey('scim-lock', id));
  });

  it('an address that keeps presenting wrong tokens is answered 429 after 30 a minute', async () => {
    const guess = scimClient(running, 'PARTNERS', 'admit_scim_guess');
    let status = 0;
    for (let i = 0; i < 35 && status !== 429; i += 1) status = (await guess('GET', '/Users')).status;
    assert.equal(status, 429);
    assert.equal((await scim('GET', '/ServiceProviderConfig')).status, 200, 'the right token still works');
  });

  it('the per-token rate limit answers 429 with Retry-After once the site allows no more this minute', async () => {
    const slow = scimClient(running, 'SLOW', await tokenFor(running, 'SLOW'));
    const statuses: number[] = [];
    for (let i = 0; i < 12; i += 1) statuses.push((await slow('GET', '/ServiceProviderConfig')).status);
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(200));
    const limited = await slow('GET', '/ServiceProviderConfig');
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
  });
});
