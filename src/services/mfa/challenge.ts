import type { Context } from 'koa';
import { localeOf } from '../../i18n/middleware.ts';
import type { MfaMethodTools } from '../../kit/mfa-method.ts';
import type { DeviceStore, MfaDevice } from './devices.ts';
import type { FailureLimit } from './failure-limit.ts';
import type { MethodRegistry } from './method-registry.ts';
import type { MfaAudit } from './mfa-audit.ts';
import type { SendOutcome } from './phone-codes.ts';
import { maskPhone } from './phone-numbers.ts';
import type { SecurityKeys } from './security-keys.ts';
import type { MfaPolicy } from './settings-schema.ts';

/** One way to answer the challenge: a method of a device, or an account-wide one (a recovery code). */
export interface ChallengeOption {
  method: string;
  deviceId?: string;
  deviceName?: string;
  /** The masked number a text or call goes to. */
  target?: string;
}

/** A code typed for a method (of a device, or the account's), or a WebAuthn response. */
export interface ChallengeProof {
  method: string;
  deviceId?: string;
  code?: string;
  response?: unknown;
}

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
 * pages reuse. Each check goes to the method's plugin (the registry); this
 * adds what every method shares: `bindTo` names the flow a code or WebAuthn
 * challenge belongs to (an interaction uid, a portal flow id), so a code
 * sent for one flow cannot be used in another; failed checks are limited
 * per account; every send and check is audited.
 */
export function createSecondFactorChallenge(deps: {
  devices: DeviceStore;
  methods: MethodRegistry;
  tools: MfaMethodTools;
  securityKeys: SecurityKeys;
  failures: FailureLimit;
  audit: MfaAudit;
}) {
  const { devices, methods, tools, failures, audit } = deps;

  /** The ways to answer; `known` saves reading the devices again when the caller has them. */
  async function options(accountId: string, known?: MfaDevice[]): Promise<ChallengeOption[]> {
    const list = known ?? (await devices.list(accountId));
    const perDevice = list.flatMap((device) =>
      methods.of(device).map((method) => ({
        method: method.id,
        deviceId: device.id,
        deviceName: device.name,
        target: device.phone && method.send ? maskPhone(device.phone) : undefined,
      })),
    );
    const accountWide = [];
    for (const method of methods.accountWide()) if (await method.available?.(accountId, tools)) accountWide.push({ method: method.id });
    return [...perDevice, ...accountWide];
  }

  /** The device, when it carries the method. */
  async function deviceFor(accountId: string, deviceId: string | undefined, methodId: string): Promise<MfaDevice | undefined> {
    const device = deviceId ? await devices.get(accountId, deviceId) : undefined;
    return device && methods.get(methodId)?.carriedBy(device) ? device : undefined;
  }

  /** Sends the code a method sends (a text, a call) to one of the account's devices. */
  async function sendCode(
    ctx: Context,
    who: ChallengeAccount,
    input: { bindTo: string; deviceId: string; channel: string },
  ): Promise<SendOutcome | { status: 'unavailable' }> {
    const method = methods.get(input.channel);
    const device = await deviceFor(who.accountId, input.deviceId, input.channel);
    if (!method?.send || !device) return { status: 'unavailable' };
    const outcome = await method.send(
      { bindTo: input.bindTo, accountId: who.accountId, ip: ctx.ip, siteName: who.siteName, device, locale: localeOf(ctx) },
      tools,
    );
    if (outcome.status !== 'unavailable') audit(ctx, who, 'mfa_code_send', outcome.status, { channel: input.channel });
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
    const method = methods.get(proof.method);
    if (!method) return { status: 'unavailable' };
    // A device's method is checked against that device; the key ceremony finds its key itself; account-wide ones need none.
    const onDevice = method.deviceTypes.length > 0 && method.prompt.kind === 'code';
    const device = onDevice ? await deviceFor(accountId, proof.deviceId, method.id) : undefined;
    if (onDevice && !device) return { status: 'unavailable' };
    const outcome = await method.verify({ accountId, bindTo, device, code: proof.code, response: proof.response }, tools);
    if (outcome.status !== 'ok') return outcome;
    if (device) await devices.touch(accountId, { ...device, lastUsedAt: new Date().toISOString() });
    const deviceId = device?.id ?? outcome.deviceId;
    return deviceId ? { status: 'ok', amr: outcome.amr, deviceId } : { status: 'ok', amr: outcome.amr };
  }

  return { options, sendCode, webauthnOptions, verify };
}

export type SecondFactorChallenge = ReturnType<typeof createSecondFactorChallenge>;
