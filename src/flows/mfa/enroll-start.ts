import { z } from 'zod';
import { productNameOf } from '../../config/branding.ts';
import { type Text, text } from '../../i18n/text.ts';
import type { DeviceType } from '../../kit/factor.ts';
import { newDeviceId } from '../../services/mfa/devices.ts';
import type { MfaPage } from './page.ts';
import type { MfaRequest } from './request.ts';

/** Seed step 4: "Protect Your … Account" with "Start setup". */
export const startPage: MfaPage = {
  name: 'start',
  show: (request) =>
    request.render('start', {
      title: text('mfa:start.title', { site: productNameOf(request.deps.sites.get(request.who.siteId)?.config ?? { displayName: request.who.siteName }) }),
    }),
  submit: (request) => request.go({ ...request.progress, page: 'device' }),
};

/** The seed's device types (step 5); which are offered follows from the registered methods. */
const DEVICE_OPTIONS: { type: DeviceType; label: Text; hint?: Text }[] = [
  { type: 'mobile', label: text('mfa:device.mobile'), hint: text('mfa:device.recommended') },
  { type: 'tablet', label: text('mfa:device.tablet') },
  { type: 'landline', label: text('mfa:device.landline') },
  { type: 'security_key', label: text('mfa:device.securityKey') },
];

/** The device types that carry a method the site's policy allows. */
export function deviceOptions(request: MfaRequest) {
  const carried = request.mfa.methods.deviceTypesFor(request.who.policy.methods);
  return DEVICE_OPTIONS.filter((option) => carried.includes(option.type));
}

// Back needs no type; any other button (Continue) posts one of the seed's types.
const deviceForm = z.union([z.object({ action: z.literal('back') }), z.object({ type: z.enum(['mobile', 'tablet', 'landline', 'security_key']) })]);

/** Seed step 5: "What type of device are you adding?" */
export const devicePage: MfaPage<z.infer<typeof deviceForm>> = {
  name: 'device',
  async show(request, problem = {}) {
    const adding = !request.progress.firstEnrollment || request.progress.enrolled;
    await request.render('device', { title: text('mfa:device.title'), options: deviceOptions(request), back: adding }, problem);
  },
  input: {
    body: deviceForm,
    refused: (request) => devicePage.show(request, { status: 400, error: 'mfa_choose_option' }),
  },
  async submit(request, form) {
    if ('action' in form) return request.go({ ...request.progress, page: 'settings', enrolling: undefined });
    const { type } = form;
    if (!deviceOptions(request).some((option) => option.type === type)) return devicePage.show(request, { status: 400, error: 'mfa_choose_option' });
    // Adding a second device needs a fresh second factor (the first enrollment has none to give).
    if (request.progress.enrolled || !request.progress.firstEnrollment) {
      if (!request.fresh()) return request.go({ ...request.progress, page: 'choose', after: 'device', enrolling: undefined });
    }
    const enrolling = { deviceId: newDeviceId(), type };
    const next = type === 'tablet' ? 'phone-type' : type === 'security_key' ? 'key' : 'phone';
    return request.go({ ...request.progress, page: next, enrolling });
  },
};
