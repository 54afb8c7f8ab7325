import { Attribute, BerWriter, Change } from 'ldapts';
import type { PasswordWriteOutcome, UnlockOutcome } from '../../src/kit/index.ts';
import { encodeUnicodePwd } from './active-directory.ts';
import type { LdapSession } from './connection.ts';
import { isUnreachable, resultCode, unavailable } from './errors.ts';
import { PasswordPolicyControl } from './ppolicy-control.ts';
import type { LdapSettings } from './settings.ts';
import { bindRefusal, writeFailure } from './write-refusals.ts';

/** RFC 3062 Password Modify extended operation. */
export const PASSWORD_MODIFY_OID = '1.3.6.1.4.1.4203.1.11.1';

export interface WriteContext {
  settings: LdapSettings;
  /** Runs work on a pooled service-account session. */
  asService<T>(work: (session: LdapSession) => Promise<T>): Promise<T>;
  /** A fresh session bound as the user (failover across urls); throws the bind error. */
  asUser(dn: string, password: string, control: PasswordPolicyControl): Promise<LdapSession>;
}

/**
 * The user's own change, proved by the old password. OpenLDAP: bind as the
 * user, then Password Modify with old and new (ppolicy checks history,
 * quality, minimum age). AD: unicodePwd delete(old) + add(new) in one modify,
 * which AD treats as a change (history and minimum age apply) and which also
 * works for a user whose expired password can no longer bind (532 / 773).
 */
export async function changePassword(ctx: WriteContext, dn: string, oldPassword: string, newPassword: string): Promise<PasswordWriteOutcome> {
  const { flavor } = ctx.settings;
  if (flavor === 'ad') {
    const changes = [
      new Change({ operation: 'delete', modification: new Attribute({ type: 'unicodePwd', values: [encodeUnicodePwd(oldPassword)] }) }),
      new Change({ operation: 'add', modification: new Attribute({ type: 'unicodePwd', values: [encodeUnicodePwd(newPassword)] }) }),
    ];
    return write(() => ctx.asService((session) => session.modify(dn, changes)), { flavor });
  }
  const bindControl = new PasswordPolicyControl();
  let session: LdapSession;
  try {
    session = await ctx.asUser(dn, oldPassword, bindControl);
  } catch (error) {
    if (isUnreachable(error)) return unavailable(error);
    if (resultCode(error) !== 49) return writeFailure(error, { flavor });
    return bindRefusal(bindControl) ?? { status: 'invalid_old_password' };
  }
  const control = new PasswordPolicyControl();
  try {
    return await write(() => session.exop(PASSWORD_MODIFY_OID, passwordModifyValue(dn, newPassword, oldPassword), [control]), { flavor, control });
  } finally {
    await session.close();
  }
}

/** An administrative reset with the service account: no old password; the directory's reset rules apply. */
export async function resetPassword(ctx: WriteContext, dn: string, newPassword: string): Promise<PasswordWriteOutcome> {
  const { flavor } = ctx.settings;
  if (flavor === 'ad') {
    const change = new Change({ operation: 'replace', modification: new Attribute({ type: 'unicodePwd', values: [encodeUnicodePwd(newPassword)] }) });
    return write(() => ctx.asService((session) => session.modify(dn, [change])), { flavor });
  }
  const control = new PasswordPolicyControl();
  return write(() => ctx.asService((session) => session.exop(PASSWORD_MODIFY_OID, passwordModifyValue(dn, newPassword), [control])), { flavor, control });
}

/**
 * Clears the directory's lock with the service account. AD: lockoutTime = 0.
 * OpenLDAP ppolicy: delete pwdAccountLockedTime; ppolicy then drops the
 * recorded failures (pwdFailureTime) itself, which no client may write.
 */
export async function unlock(ctx: WriteContext, dn: string): Promise<UnlockOutcome> {
  const change =
    ctx.settings.flavor === 'ad'
      ? new Change({ operation: 'replace', modification: new Attribute({ type: 'lockoutTime', values: ['0'] }) })
      : new Change({ operation: 'delete', modification: new Attribute({ type: 'pwdAccountLockedTime' }) });
  try {
    await ctx.asService((session) => session.modify(dn, [change]));
    return { status: 'ok' };
  } catch (error) {
    if (resultCode(error) === 16) return { status: 'ok' }; // noSuchAttribute: it was not locked
    if (resultCode(error) === 32) return { status: 'not_found' };
    // Anything else (no rights, server gone) is the directory not doing it: the caller cannot fix it.
    return unavailable(error);
  }
}

async function write(
  operation: () => Promise<unknown>,
  context: { flavor: 'openldap' | 'ad'; control?: PasswordPolicyControl },
): Promise<PasswordWriteOutcome> {
  try {
    await operation();
    return { status: 'ok' };
  } catch (error) {
    return writeFailure(error, context);
  }
}

/** PasswdModifyRequestValue ::= SEQUENCE { userIdentity [0], oldPasswd [1] OPTIONAL, newPasswd [2] }. */
export function passwordModifyValue(userIdentity: string, newPassword: string, oldPassword?: string): Buffer {
  const writer = new BerWriter();
  writer.startSequence();
  writer.writeString(userIdentity, 0x80);
  if (oldPassword !== undefined) writer.writeString(oldPassword, 0x81);
  writer.writeString(newPassword, 0x82);
  writer.endSequence();
  return writer.buffer;
}
