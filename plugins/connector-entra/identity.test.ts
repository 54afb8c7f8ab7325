import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { identityFromClaims } from './identity.ts';
import { parseEntraSettings } from './settings.ts';

const TID = '11111111-1111-4111-8111-111111111111';
const settings = (overrides: Record<string, unknown> = {}) =>
  parseEntraSettings({ kind: 'entra', tenant: TID, clientId: 'client', clientSecret: 'secret', ...overrides });
const claims = {
  tid: TID.toUpperCase(),
  oid: 'AAAAAAAA-0000-4000-8000-00000000000A',
  email: 'a@contoso.test',
  preferred_username: 'a@contoso.test',
  name: 'A',
  groups: ['g1', 'g2'],
  amr: ['pwd', 'mfa', 'bad value', 42],
};

describe('Entra claims → identity', () => {
  it('links by tid:oid (lower case), never by email; Entra email is never verified', () => {
    const { identity } = identityFromClaims(claims, settings());
    assert.equal(identity.externalId, `${TID}:aaaaaaaa-0000-4000-8000-00000000000a`);
    assert.equal(identity.emailVerified, false);
    assert.deepEqual(identity.groups, [], 'groups only when enabled');
    assert.deepEqual(identity.upstreamAmr, ['pwd', 'mfa']);
    assert.equal(identity.upstreamMfaTrusted, false);
  });

  it('maps group ids to names, drops unmapped ones when asked, and notes an overage', () => {
    const mapped = identityFromClaims(claims, settings({ groups: { enabled: true, names: { g1: 'Partners' } } })).identity;
    assert.deepEqual(mapped.groups, ['Partners', 'g2']);
    const only = identityFromClaims(claims, settings({ groups: { enabled: true, names: { g1: 'Partners' }, onlyMapped: true } })).identity;
    assert.deepEqual(only.groups, ['Partners']);
    const overage = identityFromClaims({ ...claims, groups: undefined, _claim_names: { groups: 'src1' } }, settings({ groups: { enabled: true } }));
    assert.deepEqual(overage.notes, ['groups_overage']);
  });

  it('trusts upstream MFA only with the setting and `mfa` in amr', () => {
    assert.equal(identityFromClaims(claims, settings({ trustUpstreamMfa: true })).identity.upstreamMfaTrusted, true);
    assert.equal(identityFromClaims({ ...claims, amr: ['pwd'] }, settings({ trustUpstreamMfa: true })).identity.upstreamMfaTrusted, false);
  });

  it('drops a value that is not an email from `email`', () => {
    assert.equal(identityFromClaims({ ...claims, email: 'not an email' }, settings()).identity.email, undefined);
  });
});
