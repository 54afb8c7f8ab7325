import type { Context } from 'koa';
import { METHOD_AMR, type FactorMethod } from '../../kit/factor.ts';
import type { FailureLimit } from './failure-limit.ts';
import type { MfaPolicy } from './settings-schema.ts';
import { methodsOf, type DeviceStore, type MfaDevice } from './devices.ts';
import type { PhoneCodes, PhoneChannel, SendOutcome } from './phone-codes.ts';
import type { TotpCodes } from './totp-codes.ts';
import type { RecoveryCodes } from './recovery.ts';
import type { SecurityKeys } from './security-keys.ts';
import { maskPhone } from './phone-numbers.ts';
import type { MfaAudit } from './mfa-audit.ts';

/** One way to answer the challenge: a method of a device, or a recovery code. */
export interface ChallengeOption {
  method: FactorMethod;
  deviceId?: string;
  deviceName?: string;
  /** The masked number a text or call goes to. */
  target?: string;
}

export type ChallengeProof =
  | { method: 'sms' | 'call' | 'totp'; deviceId: string; code: string }
  | { method: 'recovery'; code: string }
  | { method: 'webauthn'; response: unknown };

export type ChallengeResult =
  | { status: 'ok'; amr: string; deviceId?: string }
  | { status: 'invalid' | 'expired' | 'replayed' | 'too_many_attempts' | 'throttled' | 'unavailable' };

export interface ChallengeAccount {
  accountId: string;
  siteId: string;
  siteName: string;
  policy: MfaPolicy;
}

/**
 * "Prove a factor you enrolled": the second-factor challenge the sign-in's
 * verification page uses, and the portal's Reset Password / Unlock Account
 * pages reuse. `bindTo` names the flow a code or WebAuthn challenge belongs
 * to (an interaction uid, a portal flow id), so a code sent for one flow
 * cannot be used in another. Failed checks are limited per account.
 */
export function createSecondFactorChallenge(deps: {
  devices: DeviceStore; phoneCodes: PhoneCodes; totpCodes: TotpCodes; recovery: RecoveryCodes; securityKeys: SecurityKeys;
  failures: FailureLimit; audit: MfaAudit;
}) {
  const { devices, failures, audit } = deps;

  /** The ways to answer; `known` saves reading the devices again when the caller has them. */
  async function options(accountId: string, known?: MfaDevice[]): Promise<ChallengeOption[]> {
    const list = known ?? (await devices.list(accountId));
    const perDevice = list.flatMap((device) => methodsOf(device).map((method) => ({
      method, deviceId: device.id, deviceName: device.name, target: device.phone && (method === 'sms' || method === 'call') ? maskPhone(device.phone) : undefined,
    })));
    const recovery = (await deps.recovery.remaining(accountId)) > 0 ? [{ method: 'recovery' as const }] : [];
    return [...perDevice, ...recovery];
  }

  async function phoneOf(accountId: string, deviceId: string, channel: PhoneChannel): Promise<MfaDevice | undefined> {
    const device = await devices.get(accountId, deviceId);
    return device?.phone && methodsOf(device).includes(channel) ? device : undefined;
  }

  /** Texts or calls a code to one of the account's phones. */
  async function sendCode(ctx: Context, who: ChallengeAccount, input: { bindTo: string; deviceId: string; channel: PhoneChannel }): Promise<SendOutcome | { status: 'unavailable' }> {
    const device = await phoneOf(who.accountId, input.deviceId, input.channel);
    if (!device?.phone) return { status: 'unavailable' };
    const outcome = await deps.phoneCodes.send({ bindTo: input.bindTo, accountId: who.accountId, ip: ctx.ip, phone: device.phone, channel: input.channel, siteName: who.siteName });
    audit(ctx, who, 'mfa_code_send', outcome.status, { channel: input.channel });
    return outcome;
  }

  const webauthnOptions = (who: ChallengeAccount, bindTo: string) => deps.securityKeys.authenticationOptions({ bindTo, accountId: who.accountId });

  async function verify(ctx: Context, who: ChallengeAccount, bindTo: string, proof: ChallengeProof): Promise<ChallengeResult> {
    const attempt = await failures.attempt(who.accountId, who.policy);
    if (attempt.refused) {
      audit(ctx, who, 'mfa_verify', 'throttled', { method: proof.method });
      return { status: 'throttled' };
    }
    const result = await check(who.accountId, bindTo, proof);
    audit(ctx, who, 'mfa_verify', result.status, { method: proof.method });
    await attempt.settle(result.status === 'ok' ? 'ok' : result.status === 'unavailable' ? 'not_counted' : 'failed');
    return result;
  }

  async function check(accountId: string, bindTo: string, proof: ChallengeProof): Promise<ChallengeResult> {
    switch (proof.method) {
      case 'sms':
      case 'call': {
        const device = await phoneOf(accountId, proof.deviceId, proof.method);
        if (!device?.phone) return { status: 'unavailable' };
        const outcome = await deps.phoneCodes.verify({ bindTo, phone: device.phone, code: proof.code });
        if (outcome.status !== 'ok') return outcome;
        await touch(accountId, device);
        // The code proves the channel it travelled on, whichever button was pressed last.
        return { status: 'ok', amr: METHOD_AMR[outcome.channel], deviceId: device.id };
      }
      case 'totp': {
        const device = await devices.get(accountId, proof.deviceId);
        if (!device?.totp) return { status: 'unavailable' };
        const outcome = await deps.totpCodes.verify(device.id, device.totp.sealedSecret, proof.code);
        if (outcome !== 'ok') return { status: outcome };
        await touch(accountId, device);
        return { status: 'ok', amr: METHOD_AMR.totp, deviceId: device.id };
      }
      case 'recovery':
        return (await deps.recovery.consume(accountId, proof.code)) ? { status: 'ok', amr: METHOD_AMR.recovery } : { status: 'invalid' };
      case 'webauthn': {
        const verified = await deps.securityKeys.verifyAuthentication({ bindTo, accountId, response: proof.response });
        return verified ? { status: 'ok', amr: verified.amr, deviceId: verified.device.id } : { status: 'invalid' };
      }
    }
  }

  const touch = (accountId: string, device: MfaDevice) => devices.touch(accountId, { ...device, lastUsedAt: new Date().toISOString() });

  return { options, sendCode, webauthnOptions, verify };
}

export type SecondFactorChallenge = ReturnType<typeof createSecondFactorChallenge>;
