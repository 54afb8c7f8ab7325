import { z } from 'zod';
import type { DeviceType } from '../../kit/factor.ts';
import { newDeviceId } from '../../services/mfa/devices.ts';
import type { MfaPage } from './page.ts';
import type { MfaRequest } from './request.ts';

/** Seed step 4: "Protect Your … Account" with "Start setup". */
export const startPage: MfaPage = {
  name: 'start',
  show: (request) => request.render('start', { title: `Protect Your ${request.who.siteName} Account` }),
  submit: (request) => request.go({ ...request.progress, page: 'device' }),
};

/** The seed's device types (step 5); which are offered follows from the registered methods. */
const DEVICE_OPTIONS: { type: DeviceType; label: string; hint?: string }[] = [
  { type: 'mobile', label: 'Mobile phone', hint: 'RECOMMENDED' },
  { type: 'tablet', label: 'Tablet (iPad, Nexus 7, etc.)' },
  { type: 'landline', label: 'Landline' },
  { type: 'security_key', label: 'Security Key (YubiKey, Feitian, etc.)' },
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
    await request.render('device', { title: 'What type of device are you adding?', options: deviceOptions(request), back: adding }, problem);
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
