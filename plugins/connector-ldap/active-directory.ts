import type { PasswordOutcome } from '../../src/kit/index.ts';

/**
 * Active Directory's wire details. AD answers every failed bind with result
 * 49 and hides the reason in the diagnostic message:
 * "80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data 775, v4563".
 */

/** The sub-code after "data " in an AD diagnostic message, lower-case hex, or undefined. */
export function adDataCode(diagnostic: string): string | undefined {
  return /\bdata ([0-9a-f]{1,8})\b/i.exec(diagnostic)?.[1]?.toLowerCase();
}

type BindState = Exclude<PasswordOutcome['status'], 'ok' | 'unavailable'>;

/** AD bind sub-codes (Win32 error numbers in hex) and the sign-in step each one means. */
const BIND_SUB_CODES: Record<string, BindState> = {
  '525': 'invalid', // no such user
  '52e': 'invalid', // wrong password
  '530': 'disabled', // not permitted to log on at this time (logon hours)
  '531': 'disabled', // not permitted to log on at this workstation
  '532': 'password_expired',
  '533': 'disabled', // account disabled
  '701': 'disabled', // account expired
  '773': 'password_expired', // user must reset password (pwdLastSet = 0)
  '775': 'locked',
};

export function adBindState(diagnostic: string): BindState {
  const code = adDataCode(diagnostic);
  return (code && BIND_SUB_CODES[code]) || 'invalid';
}

/**
 * AD's objectGUID is 16 bytes whose first three groups are little-endian;
 * the canonical string (as AD tools print it) swaps them back.
 */
export function guidToString(bytes: Buffer): string {
  if (bytes.length !== 16) throw new Error(`objectGUID must be 16 bytes, got ${bytes.length}`);
  const hex = (start: number, end: number, reverse: boolean) => {
    const part = Buffer.from(bytes.subarray(start, end));
    return (reverse ? part.reverse() : part).toString('hex');
  };
  return [hex(0, 4, true), hex(4, 6, true), hex(6, 8, true), hex(8, 10, false), hex(10, 16, false)].join('-');
}

/** unicodePwd takes the password in double quotes, encoded UTF-16LE. */
export function encodeUnicodePwd(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}

type WriteRefusal = { status: 'invalid_old_password' } | { status: 'refused'; reason: string } | { status: 'unavailable'; reason: string };

/**
 * An AD password write failure, from the Win32 code at the start of the
 * diagnostic ("0000052D: Constraint violation - check_password_restrictions ...").
 */
export function adWriteRefusal(diagnostic: string): WriteRefusal | undefined {
  const win32 = /^([0-9a-f]{8}):/i.exec(diagnostic.trim())?.[1]?.toLowerCase();
  switch (win32) {
    case '00000056': // ERROR_INVALID_PASSWORD: the old password in the delete did not match
      return { status: 'invalid_old_password' };
    case '0000052d': // ERROR_PASSWORD_RESTRICTION: length, complexity, history or minimum age
      return {
        status: 'refused',
        reason:
          'The directory did not accept this password: it may be too short or too simple, used recently, or your password was changed too recently to change again. Choose a different password or try again later.',
      };
    case '00000005': // ERROR_ACCESS_DENIED
      return { status: 'refused', reason: 'The directory does not allow this account to change its password. Ask your administrator.' };
    case '0000001f': // WILL_NOT_PERFORM: unicodePwd over a connection that is not encrypted
      return { status: 'unavailable', reason: 'Active Directory writes passwords only over ldaps:// or StartTLS' };
    default:
      return undefined;
  }
}
