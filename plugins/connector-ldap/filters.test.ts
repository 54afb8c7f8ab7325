import assert from 'node:assert/strict';
import { AndFilter, EqualityFilter, FilterParser } from 'ldapts';
import { describe, it } from 'vitest';
import { fillFilter } from './filters.ts';

const TEMPLATE = '(&(uid={username})(employeeType=staff))';

/** The filter the server receives, parsed back: the user name must be one equality value. */
function uidValueSent(username: string): string {
  const parsed = FilterParser.parseString(fillFilter(TEMPLATE, { username }));
  assert.ok(parsed instanceof AndFilter);
  assert.equal(parsed.filters.length, 2, 'the structure of the filter changed');
  const [uid, staff] = parsed.filters;
  assert.ok(uid instanceof EqualityFilter && staff instanceof EqualityFilter);
  assert.equal(staff.attribute.toLowerCase(), 'employeetype');
  return String(uid.value);
}

describe('filter templates', () => {
  it('escapes every value: injection attempts stay one literal equality value', () => {
    for (const attack of ['*', ')(uid=*', 'bob)(|(employeeType=*', '*)(|(uid=*', 'alice\u0000', 'a\\2a', '\\', 'x'.repeat(5000), 'Zoë (ops)']) {
      assert.equal(uidValueSent(attack), attack);
    }
  });

  it('writes the RFC 4515 escapes', () => {
    assert.equal(fillFilter('(uid={username})', { username: '*()\\\u0000' }), '(uid=\\2a\\28\\29\\5c\\00)');
  });

  it('fills {dn} for group searches, escaped the same way', () => {
    assert.equal(fillFilter('(member={dn})', { username: 'x', dn: 'cn=a*b,ou=x' }), '(member=cn=a\\2ab,ou=x)');
  });
});
