import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLdapConnector } from '../../plugins/connector-ldap/ldap-connector.ts';
import type { PasswordConnector } from '../../src/kit/index.ts';
import { directoryFor, type RunningSlapd, seedPassword, startSlapd } from '../support/slapd.ts';

// The seeded ppolicy states: dave locked, erin must change (pwdReset), frank expired (pwdMaxAge, no grace).
let slapd: RunningSlapd;
let ldap: PasswordConnector;
beforeAll(async () => {
  slapd = await startSlapd();
  ldap = createLdapConnector(directoryFor(slapd));
});
afterAll(async () => {
  await ldap.close?.();
  await slapd.stop();
});

const signIn = (username: string, password = seedPassword(username)) => ldap.verifyPassword({ username, password });

/** "password_expired" with the identity: the password was right, so the directory may say who it is. */
async function assertExpired(username: string): Promise<void> {
  const outcome = await signIn(username);
  assert.equal(outcome.status, 'password_expired', JSON.stringify(outcome));
  assert.equal(outcome.status === 'password_expired' && outcome.identity?.username, username);
  assert.match(outcome.status === 'password_expired' ? (outcome.identity?.externalId ?? '') : '', /^[0-9a-f-]{36}$/);
}

describe('OpenLDAP ppolicy states become the next sign-in step', () => {
  it('a locked account (pwdAccountLockedTime) is "locked", with the right password too', async () => {
    assert.deepEqual(await signIn('dave'), { status: 'locked' });
    assert.deepEqual(await signIn('dave', 'wrong-password'), { status: 'locked' });
  });

  it('three failed passwords lock the account; unlock clears the lock and the failure count', async () => {
    for (let attempt = 0; attempt < 3; attempt += 1) assert.deepEqual(await signIn('carol', 'wrong-password'), { status: 'invalid' });
    assert.deepEqual(await signIn('carol'), { status: 'locked' });
    assert.deepEqual(await ldap.unlock!({ username: 'carol' }), { status: 'ok' });
    // ppolicy dropped the old failures with the lock: one more mistake does not lock again.
    assert.deepEqual(await signIn('carol', 'wrong-password'), { status: 'invalid' });
    assert.equal((await signIn('carol')).status, 'ok');
  });

  it('unlocks the seeded locked account; unlocking an unlocked or unknown one is harmless', async () => {
    assert.deepEqual(await ldap.unlock!({ username: 'dave' }), { status: 'ok' });
    assert.equal((await signIn('dave')).status, 'ok');
    assert.deepEqual(await ldap.unlock!({ username: 'dave' }), { status: 'ok' });
    assert.deepEqual(await ldap.unlock!({ username: 'nobody' }), { status: 'not_found' });
  });

  it('must change at next logon (pwdReset) is "password_expired"; changing the password clears it', async () => {
    await assertExpired('erin');
    assert.deepEqual(await signIn('erin', 'wrong-password'), { status: 'invalid' });
    const outcome = await ldap.changePassword!({ username: 'erin', oldPassword: seedPassword('erin'), newPassword: 'Erin-New-Passw0rd' });
    assert.deepEqual(outcome, { status: 'ok' });
    assert.equal((await signIn('erin', 'Erin-New-Passw0rd')).status, 'ok');
  });

  it('an expired password (pwdMaxAge, no grace logins) is "password_expired"; only a reset can replace it', async () => {
    await assertExpired('frank');
    // Told only to whoever knows the password: a wrong one gets the answer an unknown user gets.
    assert.deepEqual(await signIn('frank', 'wrong-password'), { status: 'invalid' });
    const change = await ldap.changePassword!({ username: 'frank', oldPassword: seedPassword('frank'), newPassword: 'Frank-New-Passw0rd' });
    assert.equal(change.status, 'refused');
    assert.match(change.status === 'refused' ? change.reason : '', /expired.*administrator/i);
    assert.deepEqual(await ldap.resetPassword!({ username: 'frank', newPassword: 'Frank-New-Passw0rd' }), { status: 'ok' });
    assert.equal((await signIn('frank', 'Frank-New-Passw0rd')).status, 'ok');
  });

  it('a locked account cannot change its password until unlocked', async () => {
    for (let attempt = 0; attempt < 3; attempt += 1) await signIn('mallory', 'wrong-password');
    const change = await ldap.changePassword!({ username: 'mallory', oldPassword: seedPassword('mallory'), newPassword: 'Mallory-New-Passw0rd' });
    assert.equal(change.status, 'refused');
    assert.match(change.status === 'refused' ? change.reason : '', /locked/i);
  });
});
