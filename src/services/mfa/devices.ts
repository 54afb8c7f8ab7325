import { randomBytes } from 'node:crypto';
import type { DeviceType, WebAuthnCredentialRecord } from '../../kit/factor.ts';
import { type Store, storeKey } from '../../store/port.ts';

export type Platform = 'iphone' | 'android' | 'windows' | 'other';

export interface PhoneNumber {
  /** E.164, e.g. +12012345678. */
  e164: string;
  /** ISO country code, e.g. US. */
  country: string;
  /** As written in the country, e.g. (201) 234-5678. */
  national: string;
}

/** A device the user added (seed step 12 lists them). Secrets are sealed; nothing here is shown raw. */
export interface MfaDevice {
  id: string;
  type: DeviceType;
  name: string;
  platform?: Platform;
  phone?: PhoneNumber;
  /** The authenticator app's TOTP secret, sealed with the secret box. */
  totp?: { sealedSecret: string };
  webauthn?: WebAuthnCredentialRecord;
  /** Credentials of methods admit has no field for, by method id (see kit/mfa-method.ts). */
  credentials?: Record<string, string>;
  createdAt: string;
  lastUsedAt?: string;
}

/** "When I log in": ask, or start a method of the default device without asking (a method with a `whenILogIn` choice). */
export type WhenILogIn = 'ask' | (string & {});

export interface MfaSettings {
  defaultDeviceId?: string;
  whenILogIn: WhenILogIn;
  /** When an admin reset MFA (ms): sessions older than this no longer count. */
  resetAt?: number;
}

export const newDeviceId = () => randomBytes(12).toString('base64url');

const deviceKey = (accountId: string, id: string) => storeKey('mfa-device', accountId, id);
const indexKey = (accountId: string) => storeKey('mfa-devices', accountId);
const settingsKey = (accountId: string) => storeKey('mfa-settings', accountId);
const credentialKey = (credentialId: string) => storeKey('webauthn-credential', credentialId);

/**
 * The devices of each account: one record per device plus an index set, so
 * two tabs adding devices at once both keep theirs.
 */
export function createDeviceStore({ store }: { store: Store }) {
  /** The devices, the default first, and the settings: two store round trips (the sign-in reads this on every MFA page). */
  async function overview(accountId: string): Promise<{ devices: MfaDevice[]; settings: MfaSettings }> {
    const ids = await store.setMembers(indexKey(accountId));
    const [rawSettings, ...raws] = await store.getMany([settingsKey(accountId), ...ids.map((id) => deviceKey(accountId, id))]);
    const current = parseSettings(rawSettings);
    const devices = raws.flatMap((raw) => (raw === undefined ? [] : [JSON.parse(raw) as MfaDevice]));
    const { defaultDeviceId } = current;
    devices.sort((a, b) => Number(b.id === defaultDeviceId) - Number(a.id === defaultDeviceId) || a.createdAt.localeCompare(b.createdAt));
    return { devices, settings: current };
  }

  const list = async (accountId: string): Promise<MfaDevice[]> => (await overview(accountId)).devices;

  async function get(accountId: string, id: string): Promise<MfaDevice | undefined> {
    const raw = await store.get(deviceKey(accountId, id));
    return raw === undefined ? undefined : (JSON.parse(raw) as MfaDevice);
  }

  async function save(accountId: string, device: MfaDevice): Promise<void> {
    await store.set(deviceKey(accountId, device.id), JSON.stringify(device));
    await store.addToSet(indexKey(accountId), device.id);
    if (device.webauthn) await store.set(credentialKey(device.webauthn.id), accountId);
  }

  /** Rewrites an existing device's record (last used): the index already has it. */
  const touch = (accountId: string, device: MfaDevice) => store.set(deviceKey(accountId, device.id), JSON.stringify(device));

  async function remove(accountId: string, device: MfaDevice): Promise<void> {
    await store.removeFromSet(indexKey(accountId), device.id);
    await store.delete(deviceKey(accountId, device.id));
    if (device.webauthn) await store.delete(credentialKey(device.webauthn.id));
  }

  /** Whether a WebAuthn credential is already registered to any account (a key belongs to one person here). */
  const credentialTaken = async (credentialId: string) => (await store.get(credentialKey(credentialId))) !== undefined;

  const parseSettings = (raw: string | undefined): MfaSettings => (raw === undefined ? { whenILogIn: 'ask' } : (JSON.parse(raw) as MfaSettings));
  const settings = async (accountId: string): Promise<MfaSettings> => parseSettings(await store.get(settingsKey(accountId)));

  const saveSettings = (accountId: string, value: MfaSettings) => store.set(settingsKey(accountId), JSON.stringify(value));

  return { overview, list, get, save, touch, remove, credentialTaken, settings, saveSettings };
}

export type DeviceStore = ReturnType<typeof createDeviceStore>;
