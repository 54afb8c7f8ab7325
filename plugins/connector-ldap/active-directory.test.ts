import assert from 'node:assert/strict';
import { InvalidCredentialsError } from 'ldapts';
import { describe, it } from 'vitest';
import { adBindState, adDataCode, adWriteRefusal, encodeUnicodePwd, guidToString } from './active-directory.ts';
import { failedBindState } from './errors.ts';

/** AD's bind diagnostic exactly as it comes on the wire, trailing NUL included. */
const wire = (code: string) => `80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data ${code}, v4563\u0000`;

describe('Active Directory wire values', () => {
  it('reads the sub-code from the bind diagnostic', () => {
    assert.equal(adDataCode(wire('775')), '775');
    assert.equal(adDataCode(wire('52e')), '52e');
    assert.equal(adDataCode('80090308: LdapErr: DSID-0C090447, comment: AcceptSecurityContext error, data 52E, v3839'), '52e');
    assert.equal(adDataCode('Invalid credentials'), undefined);
  });

  it('maps every sub-code to the next sign-in step', () => {
    const expected = {
      '525': 'invalid',
      '52e': 'invalid',
      '530': 'disabled',
      '531': 'disabled',
      '532': 'password_expired',
      '533': 'disabled',
      '701': 'disabled',
      '773': 'password_expired',
      '775': 'locked',
      '999': 'invalid',
    };
    for (const [code, state] of Object.entries(expected)) assert.equal(adBindState(wire(code)), state, code);
  });

  it('maps the InvalidCredentialsError ldapts raises from the AD answer', () => {
    // ldapts puts the diagnostic in the message and appends " Code: 0x31".
    const locked = new InvalidCredentialsError(wire('775'));
    assert.equal(failedBindState(locked, { flavor: 'ad' }), 'locked');
    assert.equal(failedBindState(new InvalidCredentialsError(wire('533')), { flavor: 'ad' }), 'disabled');
    assert.equal(failedBindState(new InvalidCredentialsError(wire('773')), { flavor: 'ad' }), 'password_expired');
  });

  it('turns objectGUID bytes into the canonical GUID string', () => {
    // {3F2504E0-4F89-11D3-9A0C-0305E82C3301}: Data1..Data3 little-endian on the wire.
    const bytes = Buffer.from([0xe0, 0x04, 0x25, 0x3f, 0x89, 0x4f, 0xd3, 0x11, 0x9a, 0x0c, 0x03, 0x05, 0xe8, 0x2c, 0x33, 0x01]);
    assert.equal(guidToString(bytes), '3f2504e0-4f89-11d3-9a0c-0305e82c3301');
    assert.equal(bytes.toString('hex'), 'e004253f894fd3119a0c0305e82c3301', 'the input was not modified');
    assert.throws(() => guidToString(Buffer.alloc(15)), /16 bytes/);
  });

  it('encodes unicodePwd as the quoted password in UTF-16LE', () => {
    assert.deepEqual(encodeUnicodePwd('Ab1'), Buffer.from([0x22, 0, 0x41, 0, 0x62, 0, 0x31, 0, 0x22, 0]));
    assert.equal(encodeUnicodePwd('Passwört€').toString('hex'), Buffer.from('"Passwört€"', 'utf16le').toString('hex'));
  });

  it('maps AD password write failures', () => {
    const wrongOld =
      '00000056: AtrErr: DSID-03190F80, #1:\n\t0: 00000056: DSID-03190F80, problem 1005 (CONSTRAINT_ATT_TYPE), data 0, Att 9005a (unicodePwd)\n\u0000';
    assert.deepEqual(adWriteRefusal(wrongOld), { status: 'invalid_old_password' });
    const policy =
      '0000052D: AtrErr: DSID-03191083, #1:\n\t0: 0000052D: DSID-03191083, problem 1005 (CONSTRAINT_ATT_TYPE), data 0, Att 9005a (unicodePwd)\n\u0000';
    assert.equal(adWriteRefusal(policy)?.status, 'refused');
    const insecure = '0000001F: SvcErr: DSID-031A12D2, problem 5003 (WILL_NOT_PERFORM), data 0\n\u0000';
    assert.deepEqual(adWriteRefusal(insecure), { status: 'unavailable', reason: 'Active Directory writes passwords only over ldaps:// or StartTLS' });
    assert.equal(adWriteRefusal('00000005: SecErr: DSID-031A11E2, problem 4003 (INSUFF_ACCESS_RIGHTS), data 0\n\u0000')?.status, 'refused');
    assert.equal(adWriteRefusal('something else'), undefined);
  });
});
