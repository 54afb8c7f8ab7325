import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { storeKey, UsernameNotAllowedError } from '../../src/kit/index.ts';
import { createLocalDirectory, LocalUserExistsError } from './local-directory.ts';

describe('local directory connector', () => {
  const store = createSqliteStore({ path: ':memory:' });
  const demo = createLocalDirectory({ store, siteId: 'DEMO' });
  const other = createLocalDirectory({ store, siteId: 'OTHER' });

  it('signs in with the right password and returns the immutable id and profile', async () => {
    const user = await demo.addUser({ username: 'Carol', password: 'Carol-Pass-1', email: 'carol@example.com', groups: ['g1'] });
    const outcome = await demo.connector.verifyPassword({ username: 'carol', password: 'Carol-Pass-1' });
    assert.equal(outcome.status, 'ok');
    assert.equal(outcome.status === 'ok' && outcome.identity.externalId, user.id);
    assert.deepEqual(outcome.status === 'ok' && outcome.identity.groups, ['g1']);
  });

  it('answers "invalid" alike for a wrong password, an unknown user and another site', async () => {
    assert.deepEqual(await demo.connector.verifyPassword({ username: 'carol', password: 'nope' }), { status: 'invalid' });
    assert.deepEqual(await demo.connector.verifyPassword({ username: 'nobody', password: 'Carol-Pass-1' }), { status: 'invalid' });
    assert.deepEqual(await other.connector.verifyPassword({ username: 'carol', password: 'Carol-Pass-1' }), { status: 'invalid' });
  });

  it('keeps user names unique per site, case-insensitively, under parallel adds', async () => {
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => demo.addUser({ username: 'DAVE', password: 'Dave-Pass-12' })));
    assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1);
    assert.ok(results.filter((result) => result.status === 'rejected').every((result) => (result as PromiseRejectedResult).reason instanceof LocalUserExistsError));
    await other.addUser({ username: 'dave', password: 'Dave-Pass-12' });
  });

  it('is one user under every spelling of the canonical key: lookups, sign-in and uniqueness', async () => {
    await demo.addUser({ username: 'bob', password: 'Bob-Pass-123' });
    for (const spelling of ['ｂob', 'ＢＯＢ', ' Bob ', 'bob']) {
      assert.equal((await demo.findUser(spelling))?.username, 'bob', spelling);
      assert.equal((await demo.connector.verifyPassword({ username: spelling, password: 'Bob-Pass-123' })).status, 'ok', spelling);
      await assert.rejects(demo.addUser({ username: spelling, password: 'Other-Pass-123' }), LocalUserExistsError, spelling);
    }
  });

  it('refuses a user name with control, bidi or unassigned characters before writing anything', async () => {
    for (const username of ['eve\u202e', 'e\u200bve', 'eve\u0000', 'eve\u0378']) {
      await assert.rejects(demo.addUser({ username, password: 'Eve-Pass-1234' }), UsernameNotAllowedError, JSON.stringify(username));
      assert.equal(await demo.findUser(username), undefined);
    }
    assert.equal(await demo.findUser('eve'), undefined, 'nothing was written under the plain name either');
  });

  it('still finds a user written under the old key (NFKC + lower case, untrimmed) and moves it to the canonical one', async () => {
    // As an earlier admit stored " Frida" typed with a leading space: the old key kept the space.
    const record = { id: 'frida-id', username: ' Frida', passwordHash: (await demo.addUser({ username: 'frida-template', password: 'Frida-Pass-12' })).passwordHash, groups: [], disabled: false, createdAt: new Date().toISOString() };
    await store.set(storeKey('local-user', 'DEMO: frida'), JSON.stringify(record));
    assert.equal((await demo.findUser(' Frida'))?.id, 'frida-id', 'found through the old key');
    assert.equal(await store.get(storeKey('local-user', 'DEMO: frida')), undefined, 'the old key is gone');
    assert.equal((await demo.findUser('frida'))?.id, 'frida-id', 'now under the canonical key');
    assert.equal((await demo.connector.verifyPassword({ username: 'ＦＲＩＤＡ', password: 'Frida-Pass-12' })).status, 'ok');
    await assert.rejects(demo.addUser({ username: ' frida', password: 'Other-Pass-123' }), LocalUserExistsError);
  });
});
