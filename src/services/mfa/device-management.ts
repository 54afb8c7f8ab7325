import type { Context } from 'koa';
import type { Account } from '../accounts.ts';
import type { Mailer } from '../mail/mailer.ts';
import { deviceLabel } from './device-names.ts';
import type { DeviceStore, MfaDevice, WhenILogIn } from './devices.ts';
import type { MethodRegistry } from './method-registry.ts';
import type { MfaAudit } from './mfa-audit.ts';
import type { RecoveryCodes } from './recovery.ts';
import type { MfaPolicy } from './settings-schema.ts';

/** The account an MFA change is about, with its site's policy. */
export interface MfaSubject {
  account: Account;
  accountId: string;
  siteId: string;
  siteName: string;
  policy: MfaPolicy;
}

/** When the person last proved a second factor in the current flow (ms since epoch). */
export interface Freshness {
  verifiedAt?: number;
}

export type ManageResult<T = undefined> =
  | (T extends undefined ? { status: 'ok' } : { status: 'ok'; value: T })
  | { status: 'stale' | 'last_device' | 'unknown_device' | 'invalid' };

/**
 * Adding, changing and removing devices, the "When I log in" choice and
 * recovery codes. Once an account has a device, every change needs a second
 * factor proved within `freshFactorSeconds`; adding or removing a device
 * and new recovery codes tell the user by email.
 */
export function createDeviceManagement(deps: { devices: DeviceStore; methods: MethodRegistry; recovery: RecoveryCodes; mailer: Mailer; audit: MfaAudit }) {
  const { devices, methods, audit } = deps;
  const methodsOf = methods.idsOf;
  const usable = async (accountId: string) => (await devices.list(accountId)).filter((device) => methodsOf(device).length > 0);

  async function fresh(who: MfaSubject, proof: Freshness): Promise<boolean> {
    if ((await usable(who.accountId)).length === 0) return true;
    return proof.verifiedAt !== undefined && Date.now() - proof.verifiedAt <= who.policy.freshFactorSeconds * 1000;
  }

  async function tell(who: MfaSubject, template: 'mfa-device-added' | 'mfa-device-removed' | 'mfa-recovery-codes', device?: MfaDevice): Promise<void> {
    if (!who.account.email) return;
    await deps.mailer.notify({
      to: who.account.email,
      template,
      // In the language the person signed in with (kept on the account at sign-in).
      locale: who.account.locale,
      data: {
        name: who.account.name ?? who.account.username,
        username: who.account.username,
        site: who.siteName,
        device: device ? deviceLabel(device) : '',
        when: new Date().toISOString(),
      },
    });
  }

  /** Saves a new device (the first becomes the default). */
  async function add(ctx: Context | undefined, who: MfaSubject, device: MfaDevice, proof: Freshness): Promise<ManageResult> {
    if (methodsOf(device).length === 0) return { status: 'invalid' };
    if (!(await fresh(who, proof))) return { status: 'stale' };
    await devices.save(who.accountId, device);
    const settings = await devices.settings(who.accountId);
    if (!settings.defaultDeviceId || !(await devices.get(who.accountId, settings.defaultDeviceId))) {
      await devices.saveSettings(who.accountId, { ...settings, defaultDeviceId: device.id });
    }
    audit(ctx, who, 'mfa_device_added', 'ok', { type: device.type, methods: methodsOf(device).join(' ') });
    await tell(who, 'mfa-device-added', device);
    return { status: 'ok' };
  }

  /**
   * Changes a device (name, phone type, a new authenticator app). A new
   * method is announced like a new device, except while the device is still
   * being set up in the flow that added it (its email went out a moment ago).
   */
  async function update(
    ctx: Context | undefined,
    who: MfaSubject,
    deviceId: string,
    change: (device: MfaDevice) => MfaDevice,
    proof: Freshness & { settingUp?: boolean },
  ): Promise<ManageResult> {
    const device = await devices.get(who.accountId, deviceId);
    if (!device) return { status: 'unknown_device' };
    if (!(await fresh(who, proof))) return { status: 'stale' };
    const updated = { ...change(device), id: device.id, type: device.type };
    await devices.save(who.accountId, updated);
    const gained = methodsOf(updated).filter((method) => !methodsOf(device).includes(method));
    audit(ctx, who, 'mfa_device_changed', 'ok', { type: device.type, gained: gained.join(' ') });
    if (gained.length > 0 && !proof.settingUp) await tell(who, 'mfa-device-added', updated);
    return { status: 'ok' };
  }

  /** Removes a device, never the last usable one (add another first; an admin can reset MFA). */
  async function remove(ctx: Context | undefined, who: MfaSubject, deviceId: string, proof: Freshness): Promise<ManageResult> {
    const device = await devices.get(who.accountId, deviceId);
    if (!device) return { status: 'unknown_device' };
    if (!(await fresh(who, proof))) return { status: 'stale' };
    const others = (await usable(who.accountId)).filter((other) => other.id !== deviceId);
    if (others.length === 0) return { status: 'last_device' };
    await devices.remove(who.accountId, device);
    const settings = await devices.settings(who.accountId);
    if (settings.defaultDeviceId === deviceId) await devices.saveSettings(who.accountId, { ...settings, defaultDeviceId: others[0]?.id, whenILogIn: 'ask' });
    audit(ctx, who, 'mfa_device_removed', 'ok', { type: device.type });
    await tell(who, 'mfa-device-removed', device);
    return { status: 'ok' };
  }

  /** The default device and "When I log in"; an automatic choice (a text, a call) needs a default device whose method offers it. */
  async function saveSettings(
    ctx: Context | undefined,
    who: MfaSubject,
    input: { defaultDeviceId: string; whenILogIn: WhenILogIn },
    proof: Freshness,
  ): Promise<ManageResult> {
    const device = await devices.get(who.accountId, input.defaultDeviceId);
    if (!device || methodsOf(device).length === 0) return { status: 'unknown_device' };
    if (input.whenILogIn !== 'ask' && !methods.whenILogIn(device).some((method) => method.id === input.whenILogIn)) return { status: 'invalid' };
    if (!(await fresh(who, proof))) return { status: 'stale' };
    const settings = await devices.settings(who.accountId);
    await devices.saveSettings(who.accountId, { ...settings, defaultDeviceId: device.id, whenILogIn: input.whenILogIn });
    audit(ctx, who, 'mfa_settings_saved', 'ok', { whenILogIn: input.whenILogIn });
    return { status: 'ok' };
  }

  /** New recovery codes; announced by email unless offered at the end of adding a device (whose email went a moment ago). */
  async function regenerateRecoveryCodes(
    ctx: Context | undefined,
    who: MfaSubject,
    proof: Freshness & { settingUp?: boolean },
  ): Promise<ManageResult<string[]>> {
    if (!(await fresh(who, proof))) return { status: 'stale' };
    const codes = await deps.recovery.regenerate(who.accountId);
    audit(ctx, who, 'mfa_recovery_codes', 'generated', { count: codes.length });
    // New codes replace the old ones: a way back into the account changed, so the user hears of it.
    if (!proof.settingUp) await tell(who, 'mfa-recovery-codes');
    return { status: 'ok', value: codes };
  }

  /**
   * Takes back a device the sign-in saved but whose setup was cancelled
   * (a phone before its app step): it never counted as finished, so no
   * freshness or last-device rule applies, and the next sign-in sets it up
   * from the start. The default moves to another device, if any.
   */
  async function abandon(ctx: Context | undefined, who: MfaSubject, deviceId: string): Promise<void> {
    const device = await devices.get(who.accountId, deviceId);
    if (!device) return;
    await devices.remove(who.accountId, device);
    const settings = await devices.settings(who.accountId);
    if (settings.defaultDeviceId === deviceId) {
      const others = await usable(who.accountId);
      await devices.saveSettings(who.accountId, { ...settings, defaultDeviceId: others[0]?.id, whenILogIn: 'ask' });
    }
    audit(ctx, who, 'mfa_device_abandoned', 'ok', { type: device.type });
  }

  return { fresh, add, update, remove, abandon, saveSettings, regenerateRecoveryCodes };
}

export type DeviceManagement = ReturnType<typeof createDeviceManagement>;
