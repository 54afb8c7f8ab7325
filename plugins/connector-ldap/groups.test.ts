import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { readEntry } from './directory-entry.ts';
import { firstRdn } from './groups.ts';

describe('group names from DNs', () => {
  it('takes the first RDN, decoding RFC 4514 escapes', () => {
    assert.deepEqual(firstRdn('cn=staff,ou=groups,dc=example,dc=test'), { attribute: 'cn', value: 'staff' });
    assert.deepEqual(firstRdn('CN=VPN Users\\, EU,OU=Groups,DC=corp'), { attribute: 'CN', value: 'VPN Users, EU' });
    assert.deepEqual(firstRdn('cn=Z\\C3\\BCrich \\2B Bern,ou=g'), { attribute: 'cn', value: 'Zürich + Bern' });
    assert.deepEqual(firstRdn('cn=a+ou=b,dc=x'), { attribute: 'cn', value: 'a' });
    assert.deepEqual(firstRdn('cn=Ünïcødé 😀,dc=x'), { attribute: 'cn', value: 'Ünïcødé 😀' });
    assert.equal(firstRdn('not a dn'), undefined);
  });
});

describe('directory entries', () => {
  it('reads attributes case-insensitively, single or multi-valued', () => {
    const entry = readEntry({ dn: 'uid=a', mail: 'a@example.test', memberOf: ['cn=x', 'cn=y'], displayName: [] });
    assert.equal(entry.first('MAIL'), 'a@example.test');
    assert.deepEqual(entry.strings('memberof'), ['cn=x', 'cn=y']);
    assert.equal(entry.first('displayName'), undefined);
    assert.equal(entry.first('missing'), undefined);
  });

  it('hands binary values back as the bytes the server sent', () => {
    const guid = Buffer.from('e004253f894fd3119a0c0305e82c3301', 'hex');
    assert.deepEqual(readEntry({ dn: 'x', objectGUID: guid }).buffer('objectguid'), guid);
    // A value ldapts decoded because its bytes happened to be valid UTF-8.
    const printable = Buffer.from('0123456789abcdef');
    assert.deepEqual(readEntry({ dn: 'x', objectguid: printable.toString('utf8') }).buffer('objectGUID'), printable);
  });
});
