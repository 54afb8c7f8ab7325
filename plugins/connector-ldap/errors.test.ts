import assert from 'node:assert/strict';
import { BerReader, BusyError, ConstraintViolationError, InsufficientAccessError, InvalidCredentialsError, NoSuchObjectError, UnavailableError } from 'ldapts';
import { describe, it } from 'vitest';
import { boundState, ConnectionLostError, failedBindState, isUnreachable, unavailable } from './errors.ts';
import { PasswordPolicyControl } from './ppolicy-control.ts';
import { writeFailure } from './write-refusals.ts';

function control(hex?: string): PasswordPolicyControl {
  const answered = new PasswordPolicyControl();
  if (hex) answered.parse(new BerReader(Buffer.from(hex, 'hex')));
  return answered;
}
const LOCKED = '3003810101';
const EXPIRED = '3003810100';
const RESET = '3003810102';
const NOTHING = '3000';

describe('mapping directory failures', () => {
  it('tells "cannot reach" from an answer', () => {
    for (const error of [
      new Error('connect ECONNREFUSED'),
      new Error('BindRequest: Operation timed out'),
      new ConnectionLostError('x'),
      new BusyError(),
      new UnavailableError(),
    ]) {
      assert.equal(isUnreachable(error), true, String(error));
    }
    for (const error of [new InvalidCredentialsError(), new InsufficientAccessError(), new NoSuchObjectError()]) {
      assert.equal(isUnreachable(error), false, String(error));
    }
    assert.deepEqual(unavailable(new Error('connect ECONNREFUSED 127.0.0.1:1\nstack')), {
      status: 'unavailable',
      reason: 'directory unreachable: connect ECONNREFUSED 127.0.0.1:1',
    });
  });

  it('OpenLDAP failed binds: the ppolicy control decides', () => {
    const failed = new InvalidCredentialsError('');
    assert.equal(failedBindState(failed, { flavor: 'openldap', control: control(LOCKED) }), 'locked');
    assert.equal(failedBindState(failed, { flavor: 'openldap', control: control(EXPIRED) }), 'password_expired');
    assert.equal(failedBindState(failed, { flavor: 'openldap', control: control(NOTHING) }), 'invalid');
    // The control answered "nothing to report": a stale lock attribute does not override it.
    assert.equal(failedBindState(failed, { flavor: 'openldap', control: control(NOTHING), lockedAttribute: true }), 'invalid');
    assert.equal(failedBindState(new InsufficientAccessError(), { flavor: 'openldap', control: control(LOCKED) }), 'invalid');
  });

  it("OpenLDAP without the control (no ppolicy response): the entry's attributes decide", () => {
    const failed = new InvalidCredentialsError();
    assert.equal(failedBindState(failed, { flavor: 'openldap', control: control(), lockedAttribute: true }), 'locked');
    assert.equal(failedBindState(failed, { flavor: 'openldap', control: control(), lockedAttribute: false }), 'invalid');
    assert.equal(boundState({ control: control(), resetAttribute: true }), 'password_expired');
    assert.equal(boundState({ control: control(), resetAttribute: false }), 'ok');
  });

  it('OpenLDAP successful binds that still need a new password', () => {
    assert.equal(boundState({ control: control(RESET) }), 'password_expired');
    assert.equal(boundState({ control: control('3005a003810102') }), 'password_expired'); // a grace login
    assert.equal(boundState({ control: control('3006a0048002012c') }), 'ok'); // expires in 300 s: still fine
    assert.equal(boundState({ control: control(NOTHING), resetAttribute: true }), 'ok');
  });

  it('password write refusals come back in words a user can act on', () => {
    const violation = new ConstraintViolationError('Password fails quality checking policy');
    assert.match(reasonOf(writeFailure(violation, { flavor: 'openldap', control: control('3003810106') })), /too short/);
    assert.match(reasonOf(writeFailure(violation, { flavor: 'openldap', control: control('3003810105') })), /quality rules/);
    assert.match(
      reasonOf(writeFailure(new ConstraintViolationError('Password is in history of old passwords'), { flavor: 'openldap' })),
      /used this password recently/,
    );
    assert.match(reasonOf(writeFailure(new ConstraintViolationError('Password is too young to change'), { flavor: 'openldap' })), /too recently/);
    assert.match(reasonOf(writeFailure(new ConstraintViolationError('some new rule'), { flavor: 'openldap' })), /did not accept this password: some new rule/);
    assert.match(reasonOf(writeFailure(new InsufficientAccessError(), { flavor: 'openldap' })), /Ask your administrator/);
    assert.deepEqual(writeFailure(new NoSuchObjectError(), { flavor: 'openldap' }), { status: 'not_found' });
    assert.equal(writeFailure(new Error('Operation timed out'), { flavor: 'ad' }).status, 'unavailable');
  });
});

function reasonOf(outcome: { status: string; reason?: string }): string {
  assert.equal(outcome.status, 'refused', JSON.stringify(outcome));
  return outcome.reason ?? '';
}
