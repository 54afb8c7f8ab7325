import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLdapConnector } from '../../plugins/connector-ldap/ldap-connector.ts';
import type { PasswordConnector, PasswordOutcome } from '../../src/kit/index.ts';
import { directoryFor, type RunningSlapd, seedPassword, startSlapd } from '../support/slapd.ts';

let slapd: RunningSlapd;
const connectors: PasswordConnector[] = [];
beforeAll(async () => (slapd = await startSlapd()));
afterAll(async () => {
  await Promise.all(connectors.map((connector) => connector.close?.()));
  await slapd.stop();
});

function connector(overrides: Record<string, unknown> = {}): PasswordConnector {
  const created = createLdapConnector(directoryFor(slapd, overrides));
  connectors.push(created);
  return created;
}

function identityOf(outcome: PasswordOutcome) {
  assert.equal(outcome.status, 'ok', JSON.stringify(outcome));
  return outcome.status === 'ok' ? outcome.identity : assert.fail('not ok');
}

describe('LDAP sign-in against OpenLDAP', () => {
  it('signs in with the right password and maps the profile, entryUUID and memberOf groups', async () => {
    const identity = identityOf(await connector().verifyPassword({ username: 'alice', password: seedPassword('alice') }));
    assert.match(identity.externalId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.deepEqual(
      { ...identity, externalId: 'x' },
      {
        externalId: 'x',
        username: 'alice',
        name: 'Alice Test',
        email: 'alice@example.test',
        emailVerified: false,
        phoneNumber: '+1 555 0100',
        groups: ['admins', 'staff'],
      },
    );
  });

  it('resolves groups by a group search when asked to', async () => {
    const bySearch = connector({ groups: { mode: 'search', base: `ou=groups,${slapd.baseDn}`, filter: '(&(objectClass=groupOfNames)(member={dn}))' } });
    assert.deepEqual(identityOf(await bySearch.verifyPassword({ username: 'bob', password: seedPassword('bob') })).groups, ['staff']);
    assert.deepEqual(identityOf(await bySearch.verifyPassword({ username: 'carol', password: seedPassword('carol') })).groups, []);
  });

  it('names memberOf groups by another attribute by reading the group', async () => {
    await slapd.ldif(`dn: cn=staff,ou=groups,${slapd.baseDn}\nchangetype: modify\nadd: description\ndescription: Staff Members\n`);
    const byDescription = connector({ groups: { nameAttribute: 'description' } });
    assert.deepEqual(identityOf(await byDescription.verifyPassword({ username: 'bob', password: seedPassword('bob') })).groups, ['Staff Members']);
  });

  it('answers "invalid" for a wrong password and for an unknown user', async () => {
    const ldap = connector();
    assert.deepEqual(await ldap.verifyPassword({ username: 'alice', password: 'not-her-password' }), { status: 'invalid' });
    assert.deepEqual(await ldap.verifyPassword({ username: 'nobody', password: seedPassword('alice') }), { status: 'invalid' });
  });

  it('refuses an empty password before any bind (it would be an anonymous bind)', async () => {
    const ldap = connector();
    assert.deepEqual(await ldap.verifyPassword({ username: 'alice', password: '' }), { status: 'invalid' });
    assert.deepEqual(await ldap.verifyPassword({ username: '', password: seedPassword('alice') }), { status: 'invalid' });
    // Had it reached a server, a connector with no reachable server would answer "unavailable".
    const nowhere = connector({ urls: ['ldap://127.0.0.1:1'] });
    assert.deepEqual(await nowhere.verifyPassword({ username: 'alice', password: '' }), { status: 'invalid' });
  });

  it('keeps the identity of a renamed user (modrdn): the account is the entryUUID, not the name', async () => {
    const ldap = connector();
    const before = identityOf(await ldap.verifyPassword({ username: 'heidi', password: seedPassword('heidi') }));
    await slapd.ldif(`dn: uid=heidi,ou=people,${slapd.baseDn}\nchangetype: modrdn\nnewrdn: uid=heidi.renamed\ndeleteoldrdn: 1\n`);
    assert.deepEqual(await ldap.verifyPassword({ username: 'heidi', password: seedPassword('heidi') }), { status: 'invalid' });
    const renamed = identityOf(await ldap.verifyPassword({ username: 'heidi.renamed', password: seedPassword('heidi') }));
    assert.equal(renamed.externalId, before.externalId);
    assert.equal(renamed.username, 'heidi.renamed');
  });

  it('reports "unavailable", not "invalid", when the service account cannot bind', async () => {
    const misconfigured = connector({ bindPassword: 'wrong' });
    const outcome = await misconfigured.verifyPassword({ username: 'alice', password: seedPassword('alice') });
    assert.equal(outcome.status, 'unavailable');
    assert.equal((await misconfigured.health()).ok, false);
  });

  it('reuses pooled service connections across parallel sign-ins', async () => {
    const ldap = connector({ poolSize: 2 });
    const outcomes = await Promise.all(Array.from({ length: 12 }, () => ldap.verifyPassword({ username: 'alice', password: seedPassword('alice') })));
    assert.ok(
      outcomes.every((outcome) => outcome.status === 'ok'),
      JSON.stringify(outcomes),
    );
    assert.deepEqual(await ldap.health(), { ok: true });
  });
});
