import type { MfaDevice, Platform } from './devices.ts';

const phoneNames: Record<Platform, string> = { iphone: 'iOS', android: 'Android', windows: 'Windows Phone', other: 'Mobile phone' };
const tabletNames: Record<Platform, string> = { iphone: 'iPad', android: 'Android tablet', windows: 'Windows tablet', other: 'Tablet' };

/** The name a device gets until the user renames it (seed step 12 shows "iOS"). */
export function defaultDeviceName(device: Pick<MfaDevice, 'type' | 'platform' | 'webauthn'>): string {
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

/** What the device lists show: the name and, for phones, the number. */
export const deviceLabel = (device: MfaDevice) => (device.phone ? `${device.name} ${device.phone.national}` : device.name);
