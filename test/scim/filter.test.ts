import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { attributeOf, MAX_FILTER_TERMS, matches, parseFilter } from '../../src/scim/filter.ts';
import { ScimError } from '../../src/scim/scim-error.ts';
import { userCaseExact } from '../../src/scim/user-query.ts';

const user = {
  id: 'AbC',
  userName: 'Ann.Example',
  externalId: 'Ext-1',
  active: true,
  meta: { created: '2026-12-01T10:00:00.000Z' },
  name: { givenName: 'Ann' },
  emails: [
    { value: 'ann@partner.test', type: 'work', primary: true },
    { value: 'ann@home.test', type: 'home' },
  ],
};
const test = (filter: string) => matches(user, parseFilter(filter), userCaseExact);

/** admit's own matching of parsed filters (the parser is scim2-parse-filter's), and the bounds checked before parsing. */
describe('SCIM filter matching and bounds', () => {
  it('compares caseExact attributes exactly and the others in any case', () => {
    assert.equal(test('userName eq "ann.example"'), true);
    assert.equal(test('id eq "abc"'), false);
    assert.equal(test('id eq "AbC"'), true);
    assert.equal(test('externalId eq "ext-1"'), false);
    assert.equal(test('urn:ietf:params:scim:schemas:core:2.0:User:userName sw "ANN"'), true);
    assert.equal(attributeOf('urn:ietf:params:scim:schemas:core:2.0:Group:displayName'), 'displayname');
  });

  it('knows every operator: ne, co, sw, ew, gt / ge / lt / le, pr, not, value paths, and / or', () => {
    const cases: [string, boolean][] = [
      ['userName ne "someone"', true],
      ['userName ne "ann.example"', false],
      ['nickName ne "x"', true],
      ['userName co "N.EX"', true],
      ['userName ew "ample"', true],
      ['userName ew "ann"', false],
      ['meta.created gt "2026-11-30"', true],
      ['meta.created ge "2026-12-01T10:00:00.000Z"', true],
      ['meta.created lt "2026-11-30"', false],
      ['meta.created le "2026-12-02"', true],
      ['meta.created gt 5', false],
      ['active eq true', true],
      ['active eq "true"', false],
      ['name.givenName pr', true],
      ['name.familyName pr', false],
      ['not (userName eq "ann.example")', false],
      ['emails[type eq "home" and value ew "home.test"]', true],
      ['emails[type eq "fax"]', false],
      ['emails co "@home.test"', true],
      ['emails.value sw "ANN@"', true],
      ['userName eq "x" or emails.type eq "home"', true],
      ['userName eq "x" and emails.type eq "home"', false],
      ['name co "Ann"', false],
      ['active co "t"', false],
    ];
    for (const [filter, expected] of cases) assert.equal(test(filter), expected, filter);
  });

  it('refuses before parsing what is too long or too deep, and after parsing what has too many terms', () => {
    const refused = [
      'x'.repeat(1001),
      '((((((userName eq "a"))))))',
      'not not not not not not userName eq "a"',
      Array.from({ length: MAX_FILTER_TERMS + 1 }, () => 'userName eq "a"').join(' and '),
      'userName eq "unclosed',
      'userName eq {}',
    ];
    for (const filter of refused) {
      assert.throws(
        () => parseFilter(filter),
        (error: unknown) => error instanceof ScimError && error.scimType === 'invalidFilter' && error.status === 400,
        filter.slice(0, 40),
      );
    }
    // Brackets and "not" inside a quoted value count for nothing.
    assert.ok(parseFilter('userName eq "((((((not not not not not not"'));
  });
});
