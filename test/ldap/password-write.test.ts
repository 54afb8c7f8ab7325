import assert from 'node:assert/strict';
import { Client } from 'ldapts';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLdapConnector } from '../../plugins/connector-ldap/ldap-connector.ts';
import type { PasswordConnector, PasswordWriteOutcome } from '../../src/kit/index.ts';
import { directoryFor, type RunningSlapd, seedPassword, startSlapd } from '../support/slapd.ts';

// The default policy: pwdMinLength 8 (pwdCheckQuality 1), pwdInHistory 3.
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

/** A bind of our own on a fresh connection: proof the directory holds the password, not a cache. */
async function binds(uid: string, password: string): Promise<boolean> {
  const client = new Client({ url: slapd.url, timeout: 2000 });
  try {
    await client.bind(`uid=${uid},ou=people,${slapd.baseDn}`, password);
    return true;
  } catch {
    return false;
  } finally {
    await client.unbind();
  }
}

function refusalReason(outcome: PasswordWriteOutcome): string {
  assert.equal(outcome.status, 'refused', JSON.stringify(outcome));
  return outcome.status === 'refused' ? outcome.reason : '';
}

describe('LDAP password write-back (RFC 3062 Password Modify)', () => {
  it("the user's own change is honoured by a fresh bind; the old password stops working", async () => {
    const outcome = await ldap.changePassword!({ username: 'grace', oldPassword: seedPassword('grace'), newPassword: 'Grace-New-Passw0rd' });
    assert.deepEqual(outcome, { status: 'ok' });
    assert.equal(await binds('grace', 'Grace-New-Passw0rd'), true);
    assert.equal(await binds('grace', seedPassword('grace')), false);
    assert.equal((await ldap.verifyPassword({ username: 'grace', password: 'Grace-New-Passw0rd' })).status, 'ok');
  });

  it('a wrong old password is "invalid_old_password" and changes nothing', async () => {
    const outcome = await ldap.changePassword!({ username: 'ivan', oldPassword: 'not-the-password', newPassword: 'Ivan-New-Passw0rd' });
    assert.deepEqual(outcome, { status: 'invalid_old_password' });
    assert.equal(await binds('ivan', seedPassword('ivan')), true);
  });

  it('ppolicy pwdMinLength refuses a short password with a reason the user can act on', async () => {
    const reason = refusalReason(await ldap.changePassword!({ username: 'ivan', oldPassword: seedPassword('ivan'), newPassword: 'Sh0rt' }));
    assert.match(reason, /too short/i);
    assert.equal(await binds('ivan', seedPassword('ivan')), true);
  });

  it('ppolicy pwdInHistory refuses a recent password', async () => {
    const first = await ldap.changePassword!({ username: 'judy', oldPassword: seedPassword('judy'), newPassword: 'Judy-Second-Passw0rd' });
    assert.deepEqual(first, { status: 'ok' });
    const back = await ldap.changePassword!({ username: 'judy', oldPassword: 'Judy-Second-Passw0rd', newPassword: seedPassword('judy') });
    assert.match(refusalReason(back), /used this password recently/i);
    assert.equal(await binds('judy', 'Judy-Second-Passw0rd'), true);
  });

  it('an admin reset needs no old password and is honoured by a fresh bind', async () => {
    assert.deepEqual(await ldap.resetPassword!({ username: 'bobby', newPassword: 'Bobby-Reset-Passw0rd' }), { status: 'ok' });
    assert.equal(await binds('bobby', 'Bobby-Reset-Passw0rd'), true);
    assert.equal(await binds('bobby', seedPassword('bobby')), false);
  });

  it("an admin reset is held to the directory's quality rules too", async () => {
    assert.match(refusalReason(await ldap.resetPassword!({ username: 'bobby', newPassword: 'tiny' })), /too short/i);
  });

  it('unknown users and empty passwords are answered without writing', async () => {
    assert.deepEqual(await ldap.resetPassword!({ username: 'nobody', newPassword: 'Whatever-Passw0rd' }), { status: 'not_found' });
    assert.deepEqual(await ldap.changePassword!({ username: 'nobody', oldPassword: 'x', newPassword: 'Whatever-Passw0rd' }), { status: 'not_found' });
    assert.deepEqual(await ldap.changePassword!({ username: 'alice', oldPassword: '', newPassword: 'Whatever-Passw0rd' }), { status: 'invalid_old_password' });
    assert.equal((await ldap.resetPassword!({ username: 'alice', newPassword: '' })).status, 'refused');
    assert.equal(await binds('alice', seedPassword('alice')), true);
  });

  it('a service account without write rights gets "unavailable" for unlock, not a false "ok"', async () => {
    const readOnly = createLdapConnector(directoryFor(slapd, { bindDn: `uid=alice,ou=people,${slapd.baseDn}`, bindPassword: seedPassword('alice') }));
    try {
      assert.equal((await readOnly.unlock!({ username: 'alice' })).status, 'unavailable');
    } finally {
      await readOnly.close?.();
    }
  });
});
