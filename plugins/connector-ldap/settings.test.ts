import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'vitest';
import { parse } from 'yaml';
import { createLdapConnector } from './ldap-connector.ts';
import { parseLdapSettings } from './settings.ts';

const minimal = {
  kind: 'ldap',
  urls: ['ldap://ldap.example.test'],
  bindDn: 'cn=admit,ou=services,dc=example,dc=test',
  bindPassword: 'secret',
  userBase: 'ou=people,dc=example,dc=test',
};

describe('LDAP settings', () => {
  it('fills the documented defaults, OpenLDAP flavour', () => {
    const settings = parseLdapSettings(minimal);
    assert.equal(settings.flavor, 'openldap');
    assert.equal(settings.startTls, false);
    assert.equal(settings.connectTimeoutMs, 3000);
    assert.equal(settings.timeoutMs, 5000);
    assert.equal(settings.poolSize, 4);
    assert.equal(settings.idAttribute, 'entryUUID');
    assert.equal(settings.userFilter, '(&(objectClass=inetOrgPerson)(uid={username}))');
    assert.deepEqual(settings.attributes, { username: 'uid', email: 'mail', name: 'displayName', phone: 'telephoneNumber', memberOf: 'memberOf' });
    assert.deepEqual(settings.groups, { mode: 'memberOf', filter: '(member={dn})', nameAttribute: 'cn' });
    assert.equal(settings.decoyDn, undefined); // unknown names then bind to a DN that cannot exist
  });

  it('defaults per flavour for Active Directory, and keeps what the site set', () => {
    const settings = parseLdapSettings({ ...minimal, flavor: 'ad', attributes: { email: 'userPrincipalName' } });
    assert.equal(settings.idAttribute, 'objectGUID');
    assert.match(settings.userFilter, /sAMAccountName=\{username\}/);
    assert.equal(settings.attributes.username, 'sAMAccountName');
    assert.equal(settings.attributes.email, 'userPrincipalName');
  });

  it('names the option path in errors: "directory.userBase: Required"', () => {
    const { userBase: _, ...withoutBase } = minimal;
    assert.throws(() => createLdapConnector(withoutBase), { message: 'directory.userBase: Required' });
    assert.throws(() => parseLdapSettings({ ...minimal, urls: [] }), /^Error: directory\.urls: /);
    assert.throws(() => parseLdapSettings({ ...minimal, urls: ['http://x'] }), /directory\.urls\.0: use ldap:\/\//);
    assert.throws(() => parseLdapSettings({ ...minimal, timeoutMs: 0 }), /directory\.timeoutMs: /);
    assert.throws(() => parseLdapSettings({ ...minimal, surprise: 1 }), /directory: .*surprise/);
    assert.throws(() => parseLdapSettings({ ...minimal, bindPassword: '' }), /directory\.bindPassword: /);
    assert.throws(() => parseLdapSettings({ ...minimal, decoyDn: '' }), /directory\.decoyDn: /);
  });

  it('checks filter templates when the site is read', () => {
    assert.throws(() => parseLdapSettings({ ...minimal, userFilter: '(uid=alice)' }), /directory\.userFilter: must contain \{username\}/);
    assert.throws(() => parseLdapSettings({ ...minimal, userFilter: '(uid={user})' }), /directory\.userFilter: .*must contain \{username\}/);
    assert.throws(() => parseLdapSettings({ ...minimal, userFilter: '(&(uid={username})(x={name}))' }), /unknown placeholder \{name\}/);
    assert.throws(() => parseLdapSettings({ ...minimal, userFilter: '(&(uid={username})' }), /directory\.userFilter: not a valid LDAP filter/);
    assert.throws(() => parseLdapSettings({ ...minimal, groups: { mode: 'search' } }), /directory\.groups\.base: Required when groups\.mode is search/);
  });

  it('refuses StartTLS on ldaps:// urls', () => {
    assert.throws(() => parseLdapSettings({ ...minimal, urls: ['ldaps://ldap.example.test'], startTls: true }), /directory\.startTls: /);
  });

  it('reports an unreadable CA file by its option path when the connector is built', () => {
    assert.throws(() => createLdapConnector({ ...minimal, startTls: true, tlsCaFile: '/nonexistent/ca.pem' }), /directory\.tlsCaFile: cannot read/);
  });

  it('accepts every site of config/examples/ldap-site.yaml as written (decoyDn included)', () => {
    const example = parse(readFileSync(new URL('../../config/examples/ldap-site.yaml', import.meta.url), 'utf8')) as {
      sites: { id: string; directory: unknown }[];
    };
    const [acme, contoso] = example.sites.map((site) => parseLdapSettings(site.directory));
    assert.equal(acme?.decoyDn, 'cn=decoy,ou=services,dc=acme,dc=example');
    assert.equal(contoso?.flavor, 'ad');
  });
});
