import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { asksForMfa } from './step-up.ts';

const MFA = 'urn:admit:acr:mfa';
const PWD = 'urn:admit:acr:pwd';

describe('step-up: does the application ask for the MFA level?', () => {
  it('reads acr_values', () => {
    assert.equal(asksForMfa({ acr_values: MFA }), true);
    assert.equal(asksForMfa({ acr_values: `${PWD} ${MFA}` }), true);
    assert.equal(asksForMfa({ acr_values: PWD }), false);
    assert.equal(asksForMfa({}), false);
  });

  it('reads an essential acr claim, and ignores a voluntary one or bad JSON', () => {
    const claims = (acr: unknown) => ({ claims: JSON.stringify({ id_token: { acr } }) });
    assert.equal(asksForMfa(claims({ essential: true, value: MFA })), true);
    assert.equal(asksForMfa(claims({ essential: true, values: [MFA] })), true);
    assert.equal(asksForMfa(claims({ essential: true, values: [PWD, MFA] })), false, 'either level is acceptable');
    assert.equal(asksForMfa(claims({ value: MFA })), false, 'not essential');
    assert.equal(asksForMfa({ claims: '{not json' }), false);
  });
});
