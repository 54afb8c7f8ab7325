import { z } from 'zod';
import { translatorOf } from '../../i18n/middleware.ts';
import { text } from '../../i18n/text.ts';
import type { DeviceType } from '../../kit/factor.ts';
import { defaultDeviceName, deviceLabel, isDefaultDeviceName } from '../../services/mfa/device-names.ts';
import type { MfaPage } from './page.ts';
import type { MfaRequest } from './request.ts';

// Each button posts what it needs; the first issue's message is what the page says (route-input.ts).
const nameInvalid = { error: 'mfa_name_invalid' } as const;
const optionsForm = z.discriminatedUnion(
  'action',
  [
    z.object({
      action: z.literal('rename'),
      name: z
        .string(nameInvalid)
        .trim()
        .min(1, nameInvalid)
        .max(40, nameInvalid)
        // biome-ignore lint/suspicious/noControlCharactersInRegex: a name with control characters (or markup) is refused.
        .regex(/^[^<>\u0000-\u001f]+$/, nameInvalid),
    }),
    z.object({ action: z.literal('platform'), platform: z.enum(['iphone', 'android', 'windows', 'other'], { error: 'mfa_choose_option' }) }),
    z.object({ action: z.enum(['app', 'remove', 'back']) }),
  ],
  { error: 'mfa_choose_option' },
);

/** "Device Options": rename, change the type of phone, (re)activate the app, remove. */
export const deviceOptionsPage: MfaPage<z.infer<typeof optionsForm>> = {
  name: 'device-options',
  async show(request, problem) {
    if (!request.fresh()) return request.go({ ...request.progress, page: 'choose', after: 'settings' });
    const device = await current(request);
    if (!device) return request.go({ ...request.progress, page: 'settings', optionsDeviceId: undefined });
    const usable = (await request.mfa.devices.list(request.who.accountId)).filter(request.mfa.methods.usable);
    await request.render(
      'device-options',
      {
        title: text('mfa:settings.options'),
        device,
        label: deviceLabel(device),
        canApp: appMethod(request, device.type) !== undefined,
        hasApp: Boolean(device.totp),
        canRemove: usable.some((other) => other.id !== device.id),
      },
      problem,
    );
  },
  input: {
    body: optionsForm,
    async refused(request, refusal) {
      if (!request.fresh()) return request.go({ ...request.progress, page: 'choose', after: 'settings' });
      if (!(await current(request))) return request.go({ ...request.progress, page: 'settings', optionsDeviceId: undefined });
      return deviceOptionsPage.show(request, { status: 400, error: refusal.code });
    },
  },
  async submit(request, form) {
    if (!request.fresh()) return request.go({ ...request.progress, page: 'choose', after: 'settings' });
    const device = await current(request);
    if (!device || form.action === 'back') return request.go({ ...request.progress, page: 'settings', optionsDeviceId: undefined });
    const proof = request.progress;
    switch (form.action) {
      case 'rename': {
        const { name } = form;
        await request.mfa.manage.update(request.ctx, request.who, device.id, (old) => ({ ...old, name }), proof);
        return deviceOptionsPage.show(request, { notice: text('mfa:options.renamed') });
      }
      case 'platform': {
        if (device.type !== 'mobile') return deviceOptionsPage.show(request, { status: 400, error: 'mfa_choose_option' });
        const { platform } = form;
        const renamed = isDefaultDeviceName(device, translatorOf(request.ctx));
        await request.mfa.manage.update(
          request.ctx,
          request.who,
          device.id,
          (old) => ({ ...old, platform, name: renamed ? defaultDeviceName({ ...old, platform }, translatorOf(request.ctx)) : old.name }),
          proof,
        );
        return deviceOptionsPage.show(request, { notice: text('mfa:options.typeChanged') });
      }
      case 'app':
        if (!appMethod(request, device.type)) return deviceOptionsPage.show(request, { status: 400, error: 'mfa_choose_option' });
        return request.go({
          ...request.progress,
          page: 'app',
          enrolling: { deviceId: device.id, type: device.type, existing: true, platform: device.platform, returnTo: 'device-options' },
        });
      case 'remove': {
        const removed = await request.mfa.manage.remove(request.ctx, request.who, device.id, proof);
        if (removed.status === 'last_device') return deviceOptionsPage.show(request, { status: 400, error: 'mfa_last_device' });
        return request.go({ ...request.progress, page: 'settings', optionsDeviceId: undefined });
      }
    }
  },
};

/** The authenticator app, when it can be added to this type of device (the app pages enroll it). */
const appMethod = (request: MfaRequest, type: DeviceType) => {
  const app = request.mfa.methods.get('totp');
  return app?.addToExisting && app.deviceTypes.includes(type) ? app : undefined;
};

async function current(request: MfaRequest) {
  const id = request.progress.optionsDeviceId;
  return id ? request.mfa.devices.get(request.who.accountId, id) : undefined;
}
