import type { MfaMethod } from '../../src/kit/index.ts';

/**
 * A 6-digit code texted to a phone (mobile). admit's phone codes send and
 * check it (country allow-list, send limits, attempts); a code proves the
 * channel it travelled on, whichever button was pressed last.
 */
export const smsMethod: MfaMethod = {
  id: 'sms',
  label: 'Text message',
  action: 'Text me',
  icon: 'sms',
  amr: 'sms',
  prompt: { kind: 'code', title: 'Enter your 6-digit code', label: 'Enter your 6-digit code', format: 'digits' },
  deviceTypes: ['mobile'],
  whenILogIn: 'Automatically send this device a text message',
  provesIdentity: true,
  carriedBy: (device) => device.type === 'mobile' && Boolean(device.phone),
  send: ({ device, ...input }, tools) =>
    device.phone ? tools.phoneCodes.send({ ...input, phone: device.phone, channel: 'sms' }) : Promise.resolve({ status: 'unavailable' }),
  async verify({ bindTo, device, code }, tools) {
    if (!device?.phone || !code) return { status: 'unavailable' };
    const outcome = await tools.phoneCodes.verify({ bindTo, phone: device.phone, code });
    return outcome.status === 'ok' ? { status: 'ok', amr: outcome.channel === 'call' ? 'tel' : 'sms' } : outcome;
  },
};
