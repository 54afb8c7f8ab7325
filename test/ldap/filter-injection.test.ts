import assert from 'node:assert/strict';
import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLdapConnector } from '../../plugins/connector-ldap/ldap-connector.ts';
import type { PasswordConnector } from '../../src/kit/index.ts';
import { directoryFor, type RunningSlapd, seedPassword, startSlapd } from '../support/slapd.ts';

// A filter with a condition to bypass: only staff may sign in; bob is a contractor.
const STAFF_ONLY = '(&(uid={username})(employeeType=staff))';

let slapd: RunningSlapd;
let ldap: PasswordConnector;
beforeAll(async () => {
  slapd = await startSlapd();
  ldap = createLdapConnector(directoryFor(slapd, { userFilter: STAFF_ONLY }));
});
afterAll(async () => {
  await ldap.close?.();
  await slapd.stop();
});

/** Tries a crafted user name with each seeded user's password: none may sign anyone in. */
async function assertMatchesNobody(username: string): Promise<void> {
  for (const victim of ['alice', 'bob', 'bobby', 'carol']) {
    const outcome = await ldap.verifyPassword({ username, password: seedPassword(victim) });
    assert.deepEqual(outcome, { status: 'invalid' }, `${JSON.stringify(username)} with ${victim}'s password`);
  }
}

async function searchAsAdmin(filter: string): Promise<string[]> {
  const client = new Client({ url: slapd.url, timeout: 2000 });
  try {
    await client.bind(slapd.adminDn, slapd.adminPassword);
    const { searchEntries } = await client.search(`ou=people,${slapd.baseDn}`, { filter, attributes: ['1.1'] });
    return searchEntries.map((entry) => entry.dn);
  } finally {
    await client.unbind();
  }
}

describe('LDAP filter injection', () => {
  it('the filter holds for plain names: staff alice signs in, contractor bob does not', async () => {
    assert.equal((await ldap.verifyPassword({ username: 'alice', password: seedPassword('alice') })).status, 'ok');
    assert.deepEqual(await ldap.verifyPassword({ username: 'bob', password: seedPassword('bob') }), { status: 'invalid' });
  });

  it('"bob)(|(employeeType=*" does not bypass the staff condition', async () => {
    const attack = 'bob)(|(employeeType=*';
    // The attack is real: concatenated, (&(uid=bob)(|(employeeType=*)(employeeType=staff))) finds bob.
    const concatenated = STAFF_ONLY.replace('{username}', attack);
    assert.deepEqual(await searchAsAdmin(concatenated), [`uid=bob,ou=people,${slapd.baseDn}`]);
    await assertMatchesNobody(attack);
  });

  it('wildcards match no one: "*", "b*", "al*", "*)(uid=*", ")(uid=*"', async () => {
    for (const username of ['*', 'b*', 'al*', '*)(uid=*', ')(uid=*', '*)(|(uid=*']) await assertMatchesNobody(username);
  });

  it('NUL, backslashes and escapes stay data', async () => {
    for (const username of ['alice\u0000', 'alice\u0000)(uid=*', 'alic\\65', 'alice\\2a', '\\2a', 'alice\\']) await assertMatchesNobody(username);
  });

  it('very long input is refused quickly and the connector keeps working', async () => {
    const started = Date.now();
    await assertMatchesNobody('a'.repeat(100_000));
    await assertMatchesNobody(`${'*'.repeat(257)}`);
    assert.deepEqual(await ldap.verifyPassword({ username: 'alice', password: 'x'.repeat(100_000) }), { status: 'invalid' });
    assert.ok(Date.now() - started < 2000);
    assert.equal((await ldap.verifyPassword({ username: 'alice', password: seedPassword('alice') })).status, 'ok');
  });

  it('password writes and unlock look users up with the same escaping', async () => {
    assert.deepEqual(await ldap.resetPassword!({ username: '*', newPassword: 'Whatever-Passw0rd' }), { status: 'not_found' });
    assert.deepEqual(await ldap.unlock!({ username: 'al*' }), { status: 'not_found' });
    const change = await ldap.changePassword!({ username: 'bob)(|(employeeType=*', oldPassword: seedPassword('bob'), newPassword: 'Whatever-Passw0rd' });
    assert.deepEqual(change, { status: 'not_found' });
    assert.equal((await ldap.verifyPassword({ username: 'alice', password: seedPassword('alice') })).status, 'ok');
  });
});
