import type { Context } from 'koa';
import { localeOf } from '../../i18n/middleware.ts';
import type { WebAuthnCredentialRecord } from '../../kit/factor.ts';
import type { MfaSubject } from './device-management.ts';
import type { PhoneNumber } from './devices.ts';
import type { FailureLimit } from './failure-limit.ts';
import type { MfaAudit } from './mfa-audit.ts';
import type { CodeCheck, PhoneChannel, PhoneCodes, SendOutcome } from './phone-codes.ts';
import type { SecurityKeys } from './security-keys.ts';
import type { TotpCheck, TotpCodes } from './totp-codes.ts';

/**
 * Proving a new device before it is saved: a code to the new number, a
 * first code from the new authenticator app, a WebAuthn registration. The
 * same limits as sign-in apply (sends per number / account / IP, failed
 * checks per account).
 */
export function createEnrollment(deps: { phoneCodes: PhoneCodes; totpCodes: TotpCodes; securityKeys: SecurityKeys; failures: FailureLimit; audit: MfaAudit }) {
  const { failures, audit } = deps;

  async function sendCode(ctx: Context, who: MfaSubject, input: { bindTo: string; phone: PhoneNumber; channel: PhoneChannel }): Promise<SendOutcome> {
    const outcome = await deps.phoneCodes.send({ ...input, accountId: who.accountId, ip: ctx.ip, siteName: who.siteName, locale: localeOf(ctx) });
    audit(ctx, who, 'mfa_enroll_code_send', outcome.status, { channel: input.channel });
    return outcome;
  }

  async function verifyCode(
    ctx: Context,
    who: MfaSubject,
    input: { bindTo: string; phone: PhoneNumber; code: string },
  ): Promise<CodeCheck | { status: 'throttled' }> {
    const attempt = await failures.attempt(who.accountId, who.policy);
    if (attempt.refused) return { status: 'throttled' };
    const outcome = await deps.phoneCodes.verify(input);
    audit(ctx, who, 'mfa_enroll_verify', outcome.status, { method: 'phone' });
    await attempt.settle(outcome.status === 'ok' ? 'ok' : 'failed');
    return outcome;
  }

  const newTotpSecret = (who: MfaSubject) => deps.totpCodes.newSecret(who.siteName, who.account.username);
  const describeTotp = (who: MfaSubject, sealed: string) => deps.totpCodes.describe(sealed, who.siteName, who.account.username);

  async function verifyTotp(ctx: Context, who: MfaSubject, input: { deviceId: string; sealedSecret: string; code: string }): Promise<TotpCheck | 'throttled'> {
    const attempt = await failures.attempt(who.accountId, who.policy);
    if (attempt.refused) return 'throttled';
    const outcome = await deps.totpCodes.verify(input.deviceId, input.sealedSecret, input.code);
    audit(ctx, who, 'mfa_enroll_verify', outcome, { method: 'totp' });
    await attempt.settle(outcome === 'ok' ? 'ok' : 'failed');
    return outcome;
  }

  const keyOptions = (who: MfaSubject, bindTo: string) =>
    deps.securityKeys.registrationOptions({ bindTo, accountId: who.accountId, userName: who.account.username, displayName: who.account.name });

  async function verifyKey(ctx: Context, who: MfaSubject, input: { bindTo: string; response: unknown }): Promise<WebAuthnCredentialRecord | undefined> {
    const credential = await deps.securityKeys.verifyRegistration(input);
    audit(ctx, who, 'mfa_enroll_verify', credential ? 'ok' : 'invalid', { method: 'webauthn' });
    return credential;
  }

  return { sendCode, verifyCode, newTotpSecret, describeTotp, verifyTotp, keyOptions, verifyKey };
}

export type Enrollment = ReturnType<typeof createEnrollment>;
