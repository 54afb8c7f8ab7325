import assert from 'node:assert/strict';
import { BerReader, BerWriter } from 'ldapts';
import { describe, it } from 'vitest';
import { passwordModifyValue } from './password-write.ts';
import { PasswordPolicyControl, PPOLICY_OID } from './ppolicy-control.ts';

/** Feeds a response control value (the BER bytes the server sends) to a request control. */
function answered(hex: string): PasswordPolicyControl {
  const control = new PasswordPolicyControl();
  control.parse(new BerReader(Buffer.from(hex, 'hex')));
  return control;
}

describe('Password Policy control', () => {
  it('is sent with its OID, not critical, without a value', () => {
    const writer = new BerWriter();
    new PasswordPolicyControl().write(writer);
    const oid = Buffer.from(PPOLICY_OID);
    assert.deepEqual(writer.buffer, Buffer.concat([Buffer.from([0x30, oid.length + 5, 0x04, oid.length]), oid, Buffer.from([0x01, 0x01, 0x00])]));
  });

  it('reads the error codes ppolicy answers', () => {
    assert.equal(answered('3003810101').error, 'accountLocked');
    assert.equal(answered('3003810100').error, 'passwordExpired');
    assert.equal(answered('3003810102').error, 'changeAfterReset');
    assert.equal(answered('3003810106').error, 'passwordTooShort');
    assert.equal(answered('3003810108').error, 'passwordInHistory');
  });

  it('reads the warnings: grace logins left, seconds before expiry', () => {
    const grace = answered('3005a003810102');
    assert.equal(grace.graceAuthNsRemaining, 2);
    assert.equal(grace.error, undefined);
    assert.equal(answered('3006a0048002012c').timeBeforeExpiration, 300);
    const both = answered('3008a003810101810102');
    assert.deepEqual([both.graceAuthNsRemaining, both.error], [1, 'changeAfterReset']);
  });

  it('an empty answer means the server speaks ppolicy and has nothing to report', () => {
    const empty = answered('3000');
    assert.equal(empty.answered, true);
    assert.equal(empty.error, undefined);
    assert.equal(new PasswordPolicyControl().answered, false);
  });
});

describe('RFC 3062 Password Modify request value', () => {
  it('encodes userIdentity [0], oldPasswd [1], newPasswd [2]', () => {
    const field = (tag: number, text: string) => Buffer.concat([Buffer.from([tag, Buffer.byteLength(text)]), Buffer.from(text)]);
    const sequence = (...fields: Buffer[]) => Buffer.concat([Buffer.from([0x30, Buffer.concat(fields).length]), ...fields]);
    assert.deepEqual(passwordModifyValue('uid=a', 'new', 'old'), sequence(field(0x80, 'uid=a'), field(0x81, 'old'), field(0x82, 'new')));
    assert.deepEqual(passwordModifyValue('uid=a', 'nëw'), sequence(field(0x80, 'uid=a'), field(0x82, 'nëw')));
  });
});
