import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
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
});
