import { type BerReader, Control } from 'ldapts';

/**
 * The Password Policy control (draft-behera-ldap-password-policy), which
 * OpenLDAP's ppolicy overlay answers on binds and password changes.
 *
 * ldapts does not know this control, but its parser hands a response control
 * to the request control of the same OID: sending an instance of this class
 * with a bind or an extended operation fills `error` / `warning` in place,
 * even when the operation itself fails (a locked account still answers 49).
 */
export const PPOLICY_OID = '1.3.6.1.4.1.42.2.27.8.5.1';

/** PasswordPolicyResponseValue.error, in enum order. */
export const PPOLICY_ERRORS = [
  'passwordExpired',
  'accountLocked',
  'changeAfterReset',
  'passwordModNotAllowed',
  'mustSupplyOldPassword',
  'insufficientPasswordQuality',
  'passwordTooShort',
  'passwordTooYoung',
  'passwordInHistory',
] as const;

export type PpolicyError = (typeof PPOLICY_ERRORS)[number];

export class PasswordPolicyControl extends Control {
  /** True once the server sent the response control at all. */
  answered = false;
  error?: PpolicyError;
  timeBeforeExpiration?: number;
  graceAuthNsRemaining?: number;

  constructor() {
    super(PPOLICY_OID, { critical: false });
  }

  protected override parseControl(reader: BerReader): void {
    this.answered = true;
    if (reader.readSequence(0x30) === null) return;
    const end = reader.offset + reader.length;
    while (reader.offset < end) {
      const tag = reader.peek();
      if (tag === 0xa0) {
        // warning [0] CHOICE { timeBeforeExpiration [0] INTEGER, graceAuthNsRemaining [1] INTEGER }
        reader.readSequence(0xa0);
        const choice = reader.peek();
        const value = reader.readTag(choice ?? 0x80) ?? undefined;
        if (choice === 0x80) this.timeBeforeExpiration = value;
        else this.graceAuthNsRemaining = value;
      } else if (tag === 0x81) {
        // error [1] ENUMERATED
        const code = reader.readTag(0x81);
        this.error = code === null ? undefined : PPOLICY_ERRORS[code];
      } else {
        return; // an extension we do not know: stop rather than misread
      }
    }
  }
}
