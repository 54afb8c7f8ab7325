import type { Context } from 'koa';
import type { Store } from '../../store/port.ts';
import type { OneTimeCodes } from '../one-time-codes.ts';
import type { AccountService } from '../accounts.ts';
import type { SiteDirectory } from '../sites.ts';
import type { Mailer } from '../mail/mailer.ts';
import { createSecretBox, deriveKey } from '../../lib/secret-box.ts';
import { createTotp } from '../../../plugins/mfa-totp/totp.ts';
import { createRecoveryCodes as createRecoveryGenerator } from '../../../plugins/mfa-recovery/recovery-codes.ts';
import { createWebAuthnRelyingParty, webAuthnScope } from '../../../plugins/mfa-webauthn/webauthn.ts';
import { mfaPolicySchema, type MfaPolicy, type SmsSettings } from './settings-schema.ts';
import { createDeviceStore, methodsOf, type MfaDevice } from './devices.ts';
import { createPhoneNumbers, maskPhone } from './phone-numbers.ts';
import { createCodeHasher } from './one-time-code.ts';
import { createPhoneCodes } from './phone-codes.ts';
import { createTotpCodes } from './totp-codes.ts';
import { createRecoveryCodes } from './recovery.ts';
import { createTrustedBrowsers } from './trusted-browsers.ts';
import { createSecurityKeys } from './security-keys.ts';
import { createLockout } from '../lockout.ts';
import { createSecondFactorChallenge } from './challenge.ts';
import { createEnrollment } from './enrollment.ts';
import { createDeviceManagement, type MfaSubject } from './device-management.ts';
import { createDuoFactor } from './duo.ts';
import { mfaAudit, type AuditSink } from './mfa-audit.ts';

/** A device as other areas (portal, admin) see it: no secrets, the number masked. */
export interface FactorSummary {
  id: string;
  type: string;
  name: string;
  methods: string[];
  phone?: string;
  isDefault: boolean;
  createdAt: string;
  lastUsedAt?: string;
}

export interface MfaServiceDeps {
  store: Store;
  accounts: AccountService;
  sites: SiteDirectory;
  sms: SmsSettings;
  issuer: string;
  masterSecret: string;
  audit: AuditSink;
  mailer: Mailer;
  /** The one-time-code service: text and call codes are sent and checked there. */
  codes: OneTimeCodes;
}

/**
 * admit's MFA, built in: devices (phones, tablets, landlines, security
 * keys), codes by text, call and authenticator app, WebAuthn, recovery
 * codes and trusted browsers. The sign-in's MFA step uses it; so do the
 * portal and the admin console.
 */
export function createMfaService(deps: MfaServiceDeps) {
  const { store } = deps;
  const audit = mfaAudit(deps.audit);
  const devices = createDeviceStore({ store });
  const phoneNumbers = createPhoneNumbers({ allowedCountries: deps.sms.allowedCountries });
  const hasher = createCodeHasher(deriveKey(deps.masterSecret, 'mfa-codes'));
  const phoneCodes = createPhoneCodes({ codes: deps.codes, phoneNumbers });
  const totpCodes = createTotpCodes({ store, totp: createTotp(), box: createSecretBox(deps.masterSecret, 'mfa-totp') });
  const recovery = createRecoveryCodes({ store, generator: createRecoveryGenerator(), hasher });
  const trustedBrowsers = createTrustedBrowsers({ store });
  const relyingParty = createWebAuthnRelyingParty({ rpName: 'Customer & Partner Center', ...webAuthnScope(deps.issuer) });
  const securityKeys = createSecurityKeys({ store, devices, relyingParty });
  // How many second-factor tries: the lockout service's rule (its state is in the store, shared with every instance).
  const failures = createLockout({ store, sites: deps.sites }).secondFactor;
  const challenge = createSecondFactorChallenge({ devices, phoneCodes, totpCodes, recovery, securityKeys, failures, audit });
  const enrollment = createEnrollment({ phoneCodes, totpCodes, securityKeys, failures, audit });
  const duo = createDuoFactor({ store, hasher, failures, audit });
  const manage = createDeviceManagement({ devices, recovery, mailer: deps.mailer, audit });
  const defaultPolicy = mfaPolicySchema.parse({});

  const policyOf = (siteId: string): MfaPolicy => deps.sites.get(siteId)?.config.mfa ?? defaultPolicy;

  /** The account with its site and policy, or undefined when it does not exist. */
  async function subject(accountId: string): Promise<MfaSubject | undefined> {
    const account = await deps.accounts.find(accountId);
    if (!account) return undefined;
    const site = deps.sites.get(account.siteId);
    return { account, accountId, siteId: account.siteId, siteName: site?.config.displayName ?? 'Customer & Partner Center', policy: policyOf(account.siteId) };
  }

  async function listFactors(accountId: string): Promise<FactorSummary[]> {
    const { defaultDeviceId } = await devices.settings(accountId);
    return (await devices.list(accountId)).map((device) => ({
      id: device.id, type: device.type, name: device.name, methods: methodsOf(device),
      phone: device.phone ? maskPhone(device.phone) : undefined, isDefault: device.id === defaultDeviceId,
      createdAt: device.createdAt, lastUsedAt: device.lastUsedAt,
    }));
  }

  /** A device of admit's with a method left. */
  const hasUsableFactor = async (accountId: string) => (await devices.list(accountId)).some((device) => methodsOf(device).length > 0);
  /** Any second factor the user can answer now: an admit device, or Duo on a site that has it (Duo enrolls its users itself). */
  const anyFactorIn = (who: MfaSubject, list: MfaDevice[]) => duo.enabled(who) || list.some((device) => methodsOf(device).length > 0);
  const hasAnyFactor = async (who: MfaSubject) => duo.enabled(who) || hasUsableFactor(who.accountId);

  /** Revokes every "Trust this browser" of the account (password change, sign out everywhere). */
  const revokeTrustedBrowsers = (accountId: string) => trustedBrowsers.revokeAll(accountId);

  /**
   * An admin's MFA reset: removes every device and recovery code and every
   * trusted browser; sessions from before the reset no longer satisfy the
   * sign-in, so the next sign-in enrolls again.
   */
  async function resetMfa(ctx: Context | undefined, accountId: string): Promise<void> {
    for (const device of await devices.list(accountId)) await devices.remove(accountId, device);
    await recovery.clear(accountId);
    const revoked = await trustedBrowsers.revokeAll(accountId);
    await devices.saveSettings(accountId, { whenILogIn: 'ask', resetAt: Date.now() });
    const who = await subject(accountId);
    if (who) audit(ctx, who, 'mfa_reset', 'ok', { trustedBrowsersRevoked: revoked });
  }

  return {
    subject, policyOf, listFactors, hasUsableFactor, hasAnyFactor, anyFactorIn, resetMfa, revokeTrustedBrowsers,
    settings: devices.settings,
    devices: { list: devices.list, get: devices.get, overview: devices.overview },
    recoveryCodesLeft: recovery.remaining,
    phoneNumbers, trustedBrowsers, challenge, enrollment, manage, duo, audit,
  };
}

export type MfaService = ReturnType<typeof createMfaService>;
