import { z } from 'zod';
import { defaultDeviceName, deviceLabel } from '../../services/mfa/device-names.ts';
import type { DeviceType } from '../../kit/factor.ts';
import type { MfaPage } from './page.ts';
import { field } from './page.ts';
import type { MfaRequest } from './request.ts';

const nameForm = z.object({ name: z.string().trim().min(1).max(40).regex(/^[^<>\u0000-\u001f]+$/) });
const platformForm = z.object({ platform: z.enum(['iphone', 'android', 'windows', 'other']) });

/** "Device Options": rename, change the type of phone, (re)activate the app, remove. */
export const deviceOptionsPage: MfaPage = {
  name: 'device-options',
  async show(request, problem) {
    if (!request.fresh()) return request.go({ ...request.progress, page: 'choose', after: 'settings' });
    const device = await current(request);
    if (!device) return request.go({ ...request.progress, page: 'settings', optionsDeviceId: undefined });
    const usable = (await request.mfa.devices.list(request.who.accountId)).filter(request.mfa.methods.usable);
    await request.render('device-options', {
      title: 'Device Options', device, label: deviceLabel(device),
      canApp: appMethod(request, device.type) !== undefined, hasApp: Boolean(device.totp),
      canRemove: usable.some((other) => other.id !== device.id),
    }, problem);
  },
  async submit(request) {
    if (!request.fresh()) return request.go({ ...request.progress, page: 'choose', after: 'settings' });
    const device = await current(request);
    const action = field(request, 'action');
    if (!device || action === 'back') return request.go({ ...request.progress, page: 'settings', optionsDeviceId: undefined });
    const proof = request.progress;
    switch (action) {
      case 'rename': {
        const parsed = nameForm.safeParse(request.body);
        if (!parsed.success) return deviceOptionsPage.show(request, { status: 400, error: 'mfa_name_invalid' });
        await request.mfa.manage.update(request.ctx, request.who, device.id, (old) => ({ ...old, name: parsed.data.name }), proof);
        return deviceOptionsPage.show(request, { notice: 'The device was renamed.' });
      }
      case 'platform': {
        const parsed = platformForm.safeParse(request.body);
        if (!parsed.success || device.type !== 'mobile') return deviceOptionsPage.show(request, { status: 400, error: 'mfa_choose_option' });
        const renamed = device.name === defaultDeviceName(device);
        await request.mfa.manage.update(request.ctx, request.who, device.id, (old) => ({ ...old, platform: parsed.data.platform, name: renamed ? defaultDeviceName({ ...old, platform: parsed.data.platform }) : old.name }), proof);
        return deviceOptionsPage.show(request, { notice: 'The type of phone was changed.' });
      }
      case 'app':
        if (!appMethod(request, device.type)) return deviceOptionsPage.show(request, { status: 400, error: 'mfa_choose_option' });
        return request.go({ ...request.progress, page: 'app', enrolling: { deviceId: device.id, type: device.type, existing: true, platform: device.platform, returnTo: 'device-options' } });
      case 'remove': {
        const removed = await request.mfa.manage.remove(request.ctx, request.who, device.id, proof);
        if (removed.status === 'last_device') return deviceOptionsPage.show(request, { status: 400, error: 'mfa_last_device' });
        return request.go({ ...request.progress, page: 'settings', optionsDeviceId: undefined });
      }
      default:
        return deviceOptionsPage.show(request, { status: 400, error: 'mfa_choose_option' });
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
