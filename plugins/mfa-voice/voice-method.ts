import type { MfaMethod } from '../../src/kit/index.ts';

/**
 * A 6-digit code read out in a call to a phone (mobile or landline). admit's
 * phone codes send and check it; a code proves the channel it travelled on.
 */
export const voiceMethod: MfaMethod = {
  id: 'call',
  label: 'Phone call',
  action: 'Call me',
  icon: 'call',
  amr: 'tel',
  prompt: { kind: 'code', title: 'Enter your 6-digit code', label: 'Enter your 6-digit code', format: 'digits' },
  deviceTypes: ['mobile', 'landline'],
  whenILogIn: 'Automatically call this device',
  provesIdentity: true,
  carriedBy: (device) => (device.type === 'mobile' || device.type === 'landline') && Boolean(device.phone),
  send: ({ device, ...input }, tools) =>
    device.phone ? tools.phoneCodes.send({ ...input, phone: device.phone, channel: 'call' }) : Promise.resolve({ status: 'unavailable' }),
  async verify({ bindTo, device, code }, tools) {
    if (!device?.phone || !code) return { status: 'unavailable' };
    const outcome = await tools.phoneCodes.verify({ bindTo, phone: device.phone, code });
    return outcome.status === 'ok' ? { status: 'ok', amr: outcome.channel === 'call' ? 'tel' : 'sms' } : outcome;
  },
};
