import { createHash, timingSafeEqual } from 'node:crypto';
import type { MfaMethod } from '../../../src/kit/index.ts';

export const FAKE_TOKEN = 'fake-token';

/**
 * A method admit does not ship, to prove that adding one is a plugin folder
 * and a line in the composition root: a printed card with one 6-digit code,
 * carried by a tablet. The card's code is stored sealed by admit's box, in
 * the device's credentials under the method's id.
 */
export const fakeTokenMethod: MfaMethod = {
  id: FAKE_TOKEN,
  label: 'Code card',
  action: 'Use my code card',
  icon: 'card',
  amr: 'otp',
  prompt: { kind: 'code', title: 'Enter the code on your card', label: 'Code from your card', format: 'digits' },
  deviceTypes: ['tablet'],
  provesIdentity: false,
  carriedBy: (device) => device.credentials?.[FAKE_TOKEN] !== undefined,
  async verify({ device, code }, tools) {
    const sealed = device?.credentials?.[FAKE_TOKEN];
    if (!sealed || !code) return { status: 'unavailable' };
    const digest = (value: string) => createHash('sha256').update(value).digest();
    return timingSafeEqual(digest(tools.box.open(sealed)), digest(code)) ? { status: 'ok', amr: 'otp' } : { status: 'invalid' };
  },
};
