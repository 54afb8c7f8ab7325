import type { Translate } from '../../i18n/text.ts';
import type { MfaDevice, Platform } from './devices.ts';

const phoneNames: Record<Platform, string> = { iphone: 'iOS', android: 'Android', windows: 'Windows Phone', other: 'Mobile phone' };
const tabletNames: Record<Platform, string> = { iphone: 'iPad', android: 'Android tablet', windows: 'Windows tablet', other: 'Tablet' };

/** The key of a default name in the `mfa` namespace (mfa:deviceName.<key>). */
function nameKey(device: Pick<MfaDevice, 'type' | 'platform' | 'webauthn'>): string {
  switch (device.type) {
    case 'mobile':
      return `phone.${device.platform ?? 'other'}`;
    case 'tablet':
      return `tablet.${device.platform ?? 'other'}`;
    case 'landline':
      return 'landline';
    case 'security_key':
      return device.webauthn?.multiDevice ? 'passkey' : 'securityKey';
  }
}

function englishName(device: Pick<MfaDevice, 'type' | 'platform' | 'webauthn'>): string {
  switch (device.type) {
    case 'mobile':
      return phoneNames[device.platform ?? 'other'];
    case 'tablet':
      return tabletNames[device.platform ?? 'other'];
    case 'landline':
      return 'Landline';
    case 'security_key':
      return device.webauthn?.multiDevice ? 'Passkey' : 'Security key';
  }
}

/**
 * The name a device gets until the user renames it (seed step 12 shows
 * "iOS"), in the language of the enrollment when a translator is given (the
 * name is then the person's, kept as it was written).
 */
export function defaultDeviceName(device: Pick<MfaDevice, 'type' | 'platform' | 'webauthn'>, t?: Translate): string {
  const english = englishName(device);
  return t ? t(`mfa:deviceName.${nameKey(device)}`, { defaultValue: english }) : english;
}

/** Whether a name is still a default one (in English or in the given language): a type change then renames it too. */
export function isDefaultDeviceName(device: Pick<MfaDevice, 'type' | 'platform' | 'webauthn' | 'name'>, t?: Translate): boolean {
  return device.name === englishName(device) || (t !== undefined && device.name === defaultDeviceName(device, t));
}

/** What the device lists show: the name and, for phones, the number. */
export const deviceLabel = (device: MfaDevice) => (device.phone ? `${device.name} ${device.phone.national}` : device.name);
