import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { storeKey, UsernameNotAllowedError } from '../../src/kit/index.ts';
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

  it('updates profile fields of a user (a provisioning write): given ones set, undefined ones cleared, the password kept; nobody is undefined', async () => {
    await demo.addUser({ username: 'Uma', password: 'Uma-Pass-123', name: 'Uma', email: 'uma@example.com', phoneNumber: '+12015550100' });
    const updated = await demo.connector.users!.update!('uma', { name: 'Uma Lind', phoneNumber: undefined });
    assert.equal(updated?.name, 'Uma Lind');
    assert.equal(updated?.email, 'uma@example.com', 'a field not named is kept');
    assert.equal(updated?.phoneNumber, undefined);
    assert.equal((await demo.findUser('UMA'))?.name, 'Uma Lind');
    assert.equal((await demo.connector.verifyPassword({ username: 'uma', password: 'Uma-Pass-123' })).status, 'ok');
    assert.equal(await demo.connector.users!.update!('nobody', { name: 'x' }), undefined);
    assert.equal(await other.connector.users!.update!('uma', { name: 'x' }), undefined, 'another site has no such user');
  });

  it('answers "invalid" alike for a wrong password, an unknown user and another site', async () => {
    assert.deepEqual(await demo.connector.verifyPassword({ username: 'carol', password: 'nope' }), { status: 'invalid' });
    assert.deepEqual(await demo.connector.verifyPassword({ username: 'nobody', password: 'Carol-Pass-1' }), { status: 'invalid' });
    assert.deepEqual(await other.connector.verifyPassword({ username: 'carol', password: 'Carol-Pass-1' }), { status: 'invalid' });
  });

  it('keeps user names unique per site, case-insensitively, under parallel adds', async () => {
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => demo.addUser({ username: 'DAVE', password: 'Dave-Pass-12' })));
    assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1);
    assert.ok(
      results.filter((result) => result.status === 'rejected').every((result) => (result as PromiseRejectedResult).reason instanceof LocalUserExistsError),
    );
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
    const record = {
      id: 'frida-id',
      username: ' Frida',
      passwordHash: (await demo.addUser({ username: 'frida-template', password: 'Frida-Pass-12' })).passwordHash,
      groups: [],
      disabled: false,
      createdAt: new Date().toISOString(),
    };
    await store.set(storeKey('local-user', 'DEMO: frida'), JSON.stringify(record));
    assert.equal((await demo.findUser(' Frida'))?.id, 'frida-id', 'found through the old key');
    assert.equal(await store.get(storeKey('local-user', 'DEMO: frida')), undefined, 'the old key is gone');
    assert.equal((await demo.findUser('frida'))?.id, 'frida-id', 'now under the canonical key');
    assert.equal((await demo.connector.verifyPassword({ username: 'ＦＲＩＤＡ', password: 'Frida-Pass-12' })).status, 'ok');
    await assert.rejects(demo.addUser({ username: ' frida', password: 'Other-Pass-123' }), LocalUserExistsError);
  });
});

describe('local directory: re-hash on sign-in when the configured parameters rise', () => {
  /** Made by node:crypto's argon2 (admit's hasher before @node-rs/argon2) at m = 8 KiB, t = 1. */
  const CHEAP_BY_NODE_CRYPTO = '$argon2id$v=19$m=8,t=1,p=1$WQ80YjdF6hJ8okuWaIgn9Q$Xu2D6abFTXTGPkXEx16h+x3ix8AqfA7+c/69N0WmiT0';
  const storedHash = async (store: ReturnType<typeof createSqliteStore>, name: string) =>
    (JSON.parse((await store.get(storeKey('local-user', `DEMO:${name}`)))!) as { passwordHash: string }).passwordHash;

  it('replaces a weaker stored hash after a successful sign-in, and only then', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    const demo = createLocalDirectory({ store, siteId: 'DEMO' });
    const added = await demo.addUser({ username: 'Olga', password: 'Old-Cheap-1' });
    await store.set(storeKey('local-user', 'DEMO:olga'), JSON.stringify({ ...added, passwordHash: CHEAP_BY_NODE_CRYPTO }));

    assert.deepEqual(await demo.connector.verifyPassword({ username: 'olga', password: 'wrong' }), { status: 'invalid' });
    assert.equal(await storedHash(store, 'olga'), CHEAP_BY_NODE_CRYPTO, 'a failed sign-in changes nothing');

    assert.equal((await demo.connector.verifyPassword({ username: 'OLGA', password: 'Old-Cheap-1' })).status, 'ok');
    const upgraded = await storedHash(store, 'olga');
    assert.match(upgraded, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const record = JSON.parse((await store.get(storeKey('local-user', 'DEMO:olga')))!) as Record<string, unknown>;
    assert.deepEqual({ ...record, passwordHash: '' }, { ...JSON.parse(JSON.stringify(added)), passwordHash: '' }, 'the rest of the record is kept');

    assert.equal((await demo.connector.verifyPassword({ username: 'olga', password: 'Old-Cheap-1' })).status, 'ok', 'the new hash verifies');
    assert.equal(await storedHash(store, 'olga'), upgraded, 'a hash at the configured parameters is left alone');
  });

  it('re-hashes at raised parameters, keeps a stronger hash, and can be turned off', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    const weak = { memory: 64, passes: 1, parallelism: 1, tagLength: 32 };
    const raised = { memory: 128, passes: 2, parallelism: 1, tagLength: 32 };
    await createLocalDirectory({ store, siteId: 'DEMO', hashing: { parameters: weak } }).addUser({ username: 'pia', password: 'Pia-Pass-123' });
    const before = await storedHash(store, 'pia');
    assert.match(before, /\$m=64,t=1,p=1\$/);

    const off = createLocalDirectory({ store, siteId: 'DEMO', hashing: { parameters: raised, rehashOnSignIn: false } });
    assert.equal((await off.connector.verifyPassword({ username: 'pia', password: 'Pia-Pass-123' })).status, 'ok');
    assert.equal(await storedHash(store, 'pia'), before, 'rehashOnSignIn: false keeps the stored hash');

    const on = createLocalDirectory({ store, siteId: 'DEMO', hashing: { parameters: raised } });
    assert.equal((await on.connector.verifyPassword({ username: 'pia', password: 'Pia-Pass-123' })).status, 'ok');
    const after = await storedHash(store, 'pia');
    assert.match(after, /\$m=128,t=2,p=1\$/);

    const lowered = createLocalDirectory({ store, siteId: 'DEMO', hashing: { parameters: weak } });
    assert.equal((await lowered.connector.verifyPassword({ username: 'pia', password: 'Pia-Pass-123' })).status, 'ok');
    assert.equal(await storedHash(store, 'pia'), after, 'lower configured parameters do not weaken a stored hash');
  });

  it('does not re-hash a disabled user, and does not put back a password changed meanwhile', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    const demo = createLocalDirectory({ store, siteId: 'DEMO' });
    const added = await demo.addUser({ username: 'quinn', password: 'Old-Cheap-1' });
    await store.set(storeKey('local-user', 'DEMO:quinn'), JSON.stringify({ ...added, passwordHash: CHEAP_BY_NODE_CRYPTO, disabled: true }));
    assert.deepEqual(await demo.connector.verifyPassword({ username: 'quinn', password: 'Old-Cheap-1' }), { status: 'disabled' });
    assert.equal(await storedHash(store, 'quinn'), CHEAP_BY_NODE_CRYPTO);

    await store.set(storeKey('local-user', 'DEMO:quinn'), JSON.stringify({ ...added, passwordHash: CHEAP_BY_NODE_CRYPTO }));
    // A reset lands while the sign-in with the old password is verifying.
    const signIn = demo.connector.verifyPassword({ username: 'quinn', password: 'Old-Cheap-1' });
    const reset = demo.connector.resetPassword!({ username: 'quinn', newPassword: 'Quinn-New-Pass-1' });
    assert.equal((await signIn).status, 'ok');
    assert.equal((await reset).status, 'ok');
    assert.equal((await demo.connector.verifyPassword({ username: 'quinn', password: 'Quinn-New-Pass-1' })).status, 'ok', 'the reset password stands');
    assert.deepEqual(await demo.connector.verifyPassword({ username: 'quinn', password: 'Old-Cheap-1' }), { status: 'invalid' });
  });
});
