import type { PasswordWriteOutcome } from '../../src/kit/index.ts';
import { adWriteRefusal } from './active-directory.ts';
import { diagnosticOf, isUnreachable, resultCode, unavailable } from './errors.ts';
import type { PasswordPolicyControl, PpolicyError } from './ppolicy-control.ts';

/**
 * A directory's refusal of a password write, in words the user can act on.
 * admit's own policy was checked before the write; what is left is the
 * directory's own (ppolicy, AD complexity / history / minimum age).
 */
const PPOLICY_REASONS: Partial<Record<PpolicyError, string>> = {
  passwordTooShort: 'The new password is too short for this directory. Choose a longer password.',
  insufficientPasswordQuality: "The new password does not meet this directory's quality rules. Choose a different password.",
  passwordInHistory: 'You used this password recently. Choose a password you have not used before.',
  passwordTooYoung: 'Your password was changed too recently to change it again. Try again later.',
  passwordModNotAllowed: 'This account may not change its own password. Ask your administrator.',
  mustSupplyOldPassword: 'Enter your current password as well as the new one.',
  passwordExpired: 'Your password has expired and can no longer be used to change it. Ask your administrator to reset it.',
  accountLocked: 'Your account is locked. Unlock it first, then change your password.',
};

/** The same refusals as OpenLDAP words them when no control came back. */
const OPENLDAP_DIAGNOSTICS: [RegExp, PpolicyError][] = [
  [/too short/i, 'passwordTooShort'],
  [/quality/i, 'insufficientPasswordQuality'],
  [/in history/i, 'passwordInHistory'],
  [/too young/i, 'passwordTooYoung'],
  [/alteration of password is not allowed/i, 'passwordModNotAllowed'],
  [/must supply old password/i, 'mustSupplyOldPassword'],
];

/** Why the old password could not even bind, when ppolicy says it is not simply wrong. */
export function bindRefusal(control: PasswordPolicyControl): PasswordWriteOutcome | undefined {
  const reason = control.error && PPOLICY_REASONS[control.error];
  return reason ? { status: 'refused', reason } : undefined;
}

export function writeFailure(error: unknown, context: { flavor: 'openldap' | 'ad'; control?: PasswordPolicyControl }): PasswordWriteOutcome {
  if (isUnreachable(error)) return unavailable(error);
  const diagnostic = diagnosticOf(error);
  if (context.flavor === 'ad') {
    const refusal = adWriteRefusal(diagnostic);
    if (refusal) return refusal;
  } else {
    const known = context.control?.error ?? OPENLDAP_DIAGNOSTICS.find(([pattern]) => pattern.test(diagnostic))?.[1];
    const reason = known && PPOLICY_REASONS[known];
    if (reason) return { status: 'refused', reason };
  }
  if (resultCode(error) === 32) return { status: 'not_found' };
  if (resultCode(error) === 19) {
    // constraintViolation is the password policy speaking; its words are the best we have.
    return { status: 'refused', reason: `The directory did not accept this password${diagnostic ? `: ${diagnostic}` : '.'}` };
  }
  return { status: 'refused', reason: 'The directory did not allow this password change. Ask your administrator.' };
}
