import type { Context } from 'koa';
import type { RecoveryCodeGenerator, TotpAlgorithm, WebAuthnRelyingParty } from '../../kit/factor.ts';
import type { DuoPlugin } from '../../kit/mfa-duo.ts';
import type { MfaMethod, MfaMethodTools } from '../../kit/mfa-method.ts';
import { createSecretBox, deriveKey } from '../../lib/secret-box.ts';
import type { Store } from '../../store/port.ts';
import type { AccountService } from '../accounts.ts';
import { createLockout } from '../lockout.ts';
import type { Mailer } from '../mail/mailer.ts';
import type { OneTimeCodes } from '../one-time-codes.ts';
import type { SiteDirectory } from '../sites.ts';
import { createSecondFactorChallenge } from './challenge.ts';
import { createDeviceManagement, type MfaSubject } from './device-management.ts';
import { createDeviceStore, type MfaDevice } from './devices.ts';
import { createDuoFactor } from './duo.ts';
import { createEnrollment } from './enrollment.ts';
import { createMethodRegistry } from './method-registry.ts';
import { type AuditSink, mfaAudit } from './mfa-audit.ts';
import { createCodeHasher } from './one-time-code.ts';
import { createPhoneCodes } from './phone-codes.ts';
import { createPhoneNumbers, maskPhone } from './phone-numbers.ts';
import { createRecoveryCodes } from './recovery.ts';
import { createSecurityKeys } from './security-keys.ts';
import { type MfaPolicy, mfaPolicySchema, type SmsSettings } from './settings-schema.ts';
import { createTotpCodes } from './totp-codes.ts';
import { createTrustedBrowsers } from './trusted-browsers.ts';

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
  masterSecret: string;
  audit: AuditSink;
  mailer: Mailer;
  /** The one-time-code service: text and call codes are sent and checked there. */
  codes: OneTimeCodes;
  /** The MFA methods, one plugin each, as the composition root registers them (the one list). */
  methods: readonly MfaMethod[];
  /** The factor engines the methods check with (plugins/mfa-totp, mfa-recovery, mfa-webauthn, mfa-duo). */
  engines: { totp: TotpAlgorithm; recoveryCodes: RecoveryCodeGenerator; webauthn: WebAuthnRelyingParty; duo: DuoPlugin };
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
  const totpCodes = createTotpCodes({ store, totp: deps.engines.totp, box: createSecretBox(deps.masterSecret, 'mfa-totp') });
  const recovery = createRecoveryCodes({ store, generator: deps.engines.recoveryCodes, hasher });
  const trustedBrowsers = createTrustedBrowsers({ store });
  const securityKeys = createSecurityKeys({ store, devices, relyingParty: deps.engines.webauthn });
  const methods = createMethodRegistry(deps.methods);
  checkPolicies(deps.sites, methods.ids());
  // What the methods check with: admit's guarded engines, never the raw store of another method.
  const tools: MfaMethodTools = {
    phoneCodes,
    totp: totpCodes,
    recoveryCodes: recovery,
    box: createSecretBox(deps.masterSecret, 'mfa-method'),
    securityKeys: {
      async verifyAuthentication(input) {
        const verified = await securityKeys.verifyAuthentication(input);
        return verified && { deviceId: verified.device.id, amr: verified.amr };
      },
    },
  };
  // How many second-factor tries: the lockout service's rule (its state is in the store, shared with every instance).
  const failures = createLockout({ store, sites: deps.sites }).secondFactor;
  const challenge = createSecondFactorChallenge({ devices, methods, tools, securityKeys, failures, audit });
  const enrollment = createEnrollment({ phoneCodes, totpCodes, securityKeys, failures, audit });
  const duo = createDuoFactor({ store, hasher, failures, audit, plugin: deps.engines.duo });
  const manage = createDeviceManagement({ devices, methods, recovery, mailer: deps.mailer, audit });
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
      id: device.id,
      type: device.type,
      name: device.name,
      methods: methods.idsOf(device),
      phone: device.phone ? maskPhone(device.phone) : undefined,
      isDefault: device.id === defaultDeviceId,
      createdAt: device.createdAt,
      lastUsedAt: device.lastUsedAt,
    }));
  }

  /** A device of admit's with a method left. */
  const hasUsableFactor = async (accountId: string) => (await devices.list(accountId)).some(methods.usable);
  /** Any second factor the user can answer now: an admit device, or Duo on a site that has it (Duo enrolls its users itself). */
  const anyFactorIn = (who: MfaSubject, list: MfaDevice[]) => duo.enabled(who) || list.some(methods.usable);
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
    subject,
    policyOf,
    listFactors,
    hasUsableFactor,
    hasAnyFactor,
    anyFactorIn,
    resetMfa,
    revokeTrustedBrowsers,
    settings: devices.settings,
    devices: { list: devices.list, get: devices.get, overview: devices.overview },
    recoveryCodesLeft: recovery.remaining,
    /** Whether typed text has the shape of a recovery code (the plugin's format), before any check. */
    isRecoveryCode: (input: string) => deps.engines.recoveryCodes.normalize(input) !== undefined,
    phoneNumbers,
    trustedBrowsers,
    challenge,
    enrollment,
    manage,
    duo,
    audit,
    methods,
  };
}

/** A site's `mfa.methods` may name only registered methods: a typo stops start-up with the option's path. */
function checkPolicies(sites: SiteDirectory, known: string[]): void {
  sites.all().forEach(({ config }) => {
    const unknown = (config.mfa.methods ?? []).filter((id) => !known.includes(id));
    if (unknown.length > 0)
      throw new Error(`sites[${config.id}].mfa.methods: no "${unknown.join('", "')}" method in this version of admit (use ${known.join(', ')})`);
  });
}

export type MfaService = ReturnType<typeof createMfaService>;
