import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { PasswordConnector } from '../../src/kit/index.ts';
import { createLdapConnector } from './ldap-connector.ts';
import { startFakeActiveDirectory } from './testing/fake-active-directory.ts';

// objectGUID {3f2504e0-4f89-11d3-9a0c-0305e82c3301} as AD stores it: first three groups little-endian.
const GUID_BYTES = Buffer.from('e004253f894fd3119a0c0305e82c3301', 'hex');
const BASE_DN = 'DC=corp,DC=example';
const WIRE = {
  complexity: '0000052D: Constraint violation - check_password_restrictions: the password does not meet the complexity criteria\u0000',
  wrongOld: '00000056: AtrErr: DSID-03190F80, #1:\n\t0: 00000056: DSID-03190F80, problem 1005 (CONSTRAINT_ATT_TYPE), data 0, Att 9005a (unicodePwd)\n\u0000',
};

const quotedUtf16 = (password: string) => Buffer.from(`"${password}"`, 'utf16le');

let ad: Awaited<ReturnType<typeof startFakeActiveDirectory>>;
let ldap: PasswordConnector;
beforeAll(async () => {
  const user = (sAMAccountName: string, subCode?: string) => ({
    sAMAccountName,
    password: `${sAMAccountName}-Passw0rd`,
    subCode,
    displayName: `${sAMAccountName} Test`,
    objectGUID: sAMAccountName === 'alice' ? GUID_BYTES : Buffer.alloc(16, sAMAccountName.length),
    memberOf: [`CN=Staff,OU=Groups,${BASE_DN}`, `CN=VPN Users\\, EU,OU=Groups,${BASE_DN}`],
  });
  ad = await startFakeActiveDirectory({
    baseDn: BASE_DN,
    serviceDn: `CN=svc-admit,${BASE_DN}`,
    servicePassword: 'service-secret',
    users: [
      user('alice'),
      user('disabled', '533'),
      user('locked', '775'),
      user('expired', '532'),
      user('mustchange', '773'),
      user('expiredaccount', '701'),
      user('hours', '530'),
    ],
    onModify: (_dn, changes) => {
      const sent = (operation: string) => changes.find((change) => change.operation === operation)?.modification.parsedBuffers[0];
      const old = sent('delete');
      if (old && !old.equals(quotedUtf16('alice-Passw0rd'))) return { code: 19, diagnostic: WIRE.wrongOld };
      if ((sent('add') ?? sent('replace'))?.equals(quotedUtf16('simple'))) return { code: 19, diagnostic: WIRE.complexity };
      return undefined;
    },
  });
  ldap = createLdapConnector({
    kind: 'ldap',
    flavor: 'ad',
    urls: [ad.url],
    bindDn: `CN=svc-admit,${BASE_DN}`,
    bindPassword: 'service-secret',
    userBase: BASE_DN,
    connectTimeoutMs: 1000,
    timeoutMs: 2000,
  });
});
afterAll(async () => {
  await ldap.close?.();
  await ad.close();
});

const signIn = (username: string, password = `${username}-Passw0rd`) => ldap.verifyPassword({ username, password });

describe('Active Directory flavour, against AD wire values', () => {
  it('answers an unknown user with a user bind too (to a DN that cannot exist), as a wrong password costs one', async () => {
    const userBinds = () => ad.binds.filter((dn) => dn !== `CN=svc-admit,${BASE_DN}`);
    const before = userBinds().length;
    assert.deepEqual(await signIn('alice', 'wrong-password'), { status: 'invalid' });
    assert.equal(userBinds().length, before + 1);
    assert.deepEqual(await signIn('nobody', 'some-Passw0rd'), { status: 'invalid' });
    assert.equal(userBinds().length, before + 2, 'one bind for the unknown user as for the wrong password');
    assert.match(userBinds().at(-1)!, new RegExp(`^cn=admit-decoy-[0-9a-f]{24},${BASE_DN}$`));
    await signIn('nobody', 'some-Passw0rd');
    assert.notEqual(userBinds().at(-1), userBinds().at(-2), 'a fresh decoy DN every time');
  });

  it('signs in with sAMAccountName; the identity is the canonical objectGUID string', async () => {
    const outcome = await signIn('alice');
    assert.equal(outcome.status, 'ok', JSON.stringify(outcome));
    if (outcome.status !== 'ok') return;
    assert.equal(outcome.identity.externalId, '3f2504e0-4f89-11d3-9a0c-0305e82c3301');
    assert.equal(outcome.identity.username, 'alice');
    assert.deepEqual(outcome.identity.groups, ['Staff', 'VPN Users, EU']);
  });

  it('maps the bind sub-codes to the next step', async () => {
    assert.deepEqual(await signIn('alice', 'wrong'), { status: 'invalid' }); // 52e
    assert.deepEqual(await signIn('disabled'), { status: 'disabled' }); // 533
    assert.deepEqual(await signIn('locked'), { status: 'locked' }); // 775
    const expired = await signIn('expired'); // 532, told only to the right password: the identity comes along
    assert.deepEqual([expired.status, expired.status === 'password_expired' && expired.identity?.username], ['password_expired', 'expired']);
    assert.equal((await signIn('mustchange')).status, 'password_expired'); // 773
    assert.deepEqual(await signIn('expiredaccount'), { status: 'disabled' }); // 701
    assert.deepEqual(await signIn('hours'), { status: 'disabled' }); // 530
    // AD does not tell a wrong password's holder that the account is disabled.
    assert.deepEqual(await signIn('disabled', 'wrong'), { status: 'invalid' });
  });

  it('a user change is unicodePwd delete(old) + add(new), quoted UTF-16LE, in one modify', async () => {
    ad.modifications.length = 0;
    const outcome = await ldap.changePassword!({ username: 'alice', oldPassword: 'alice-Passw0rd', newPassword: 'Neues-Passwört1' });
    assert.deepEqual(outcome, { status: 'ok' });
    const [write] = ad.modifications;
    assert.equal(write?.dn, `CN=alice Test,OU=Staff,${BASE_DN}`);
    assert.deepEqual(
      write?.changes.map((change) => [change.operation, change.modification.type, change.modification.parsedBuffers[0]?.toString('hex')]),
      [
        ['delete', 'unicodePwd', Buffer.from('"alice-Passw0rd"', 'utf16le').toString('hex')],
        ['add', 'unicodePwd', Buffer.from('"Neues-Passwört1"', 'utf16le').toString('hex')],
      ],
    );
  });

  it("AD's refusals come back as invalid_old_password / refused with a reason", async () => {
    assert.deepEqual(await ldap.changePassword!({ username: 'alice', oldPassword: 'wrong', newPassword: 'Whatever-1' }), { status: 'invalid_old_password' });
    const refused = await ldap.changePassword!({ username: 'alice', oldPassword: 'alice-Passw0rd', newPassword: 'simple' });
    assert.equal(refused.status, 'refused');
    assert.match(refused.status === 'refused' ? refused.reason : '', /too short or too simple/);
  });

  it('an admin reset is one unicodePwd replace; unlock sets lockoutTime to 0', async () => {
    ad.modifications.length = 0;
    assert.deepEqual(await ldap.resetPassword!({ username: 'locked', newPassword: 'Reset-Passw0rd' }), { status: 'ok' });
    assert.deepEqual(await ldap.unlock!({ username: 'locked' }), { status: 'ok' });
    assert.deepEqual(
      ad.modifications.map(({ changes }) => changes.map((change) => [change.operation, change.modification.type])),
      [[['replace', 'unicodePwd']], [['replace', 'lockoutTime']]],
    );
    assert.equal(ad.modifications[0]?.changes[0]?.modification.parsedBuffers[0]?.toString('utf16le'), '"Reset-Passw0rd"');
    assert.equal(ad.modifications[1]?.changes[0]?.modification.parsedBuffers[0]?.toString(), '0');
  });

  it('reports health through the service account', async () => {
    assert.deepEqual(await ldap.health(), { ok: true });
  });
});
