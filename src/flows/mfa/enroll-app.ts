import { translatorOf } from '../../i18n/middleware.ts';
import { text } from '../../i18n/text.ts';
import { defaultDeviceName } from '../../services/mfa/device-names.ts';
import type { MfaDevice } from '../../services/mfa/devices.ts';
import { cleanCode } from '../../services/mfa/one-time-code.ts';
import { afterDevice } from './after-device.ts';
import { amrOf, saveProvedDevice } from './enroll-phone.ts';
import type { MfaPage } from './page.ts';
import { field } from './page.ts';

// How many steps each store's instructions have (mfa:app.steps.<platform>.<n>, mfa:app.store.<platform>).
const STEPS = { iphone: 3, android: 2, windows: 2, other: 1 } as const;
const instructionsFor = (platform: keyof typeof STEPS) => ({
  store: text(`mfa:app.store.${platform}`),
  steps: Array.from({ length: STEPS[platform] }, (_, index) => text(`mfa:app.steps.${platform}.${index}`)),
});

/** Seed step 10: install an authenticator app. */
export const appPage: MfaPage = {
  name: 'app',
  async show(request, problem) {
    const platform = request.progress.enrolling?.platform ?? 'other';
    await request.render('app', { title: text('mfa:app.title'), instructions: instructionsFor(platform) }, problem);
  },
  async submit(request) {
    const enrolling = request.progress.enrolling;
    if (!enrolling) return request.go({ ...request.progress, page: 'device' });
    if (field(request, 'action') === 'back') return request.go({ ...request.progress, page: enrolling.returnTo ?? 'phone-type' });
    const secret = request.mfa.enrollment.newTotpSecret(request.who);
    return request.go({ ...request.progress, page: 'activate', enrolling: { ...enrolling, totpSecret: secret.sealed } });
  },
};

/** Seed step 11: scan the QR code (or type the key), then confirm with the app's first code. */
export const activatePage: MfaPage = {
  name: 'activate',
  async show(request, problem) {
    const sealed = request.progress.enrolling?.totpSecret;
    if (!sealed) return request.go({ ...request.progress, page: 'app' });
    const { secret, uri } = request.mfa.enrollment.describeTotp(request.who, sealed);
    // qrcode is imported here, at the first enrolment, not when admit starts.
    const { default: QRCode } = await import('qrcode');
    const qr = await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 1, width: 220 });
    await request.render('activate', { title: text('mfa:activate.title'), qr, key: secret.replace(/(.{4})/g, '$1 ').trim() }, problem);
  },
  async submit(request) {
    const enrolling = request.progress.enrolling;
    if (!enrolling?.totpSecret) return request.go({ ...request.progress, page: 'app' });
    if (field(request, 'action') === 'back') return request.go({ ...request.progress, page: 'app', enrolling: { ...enrolling, totpSecret: undefined } });
    const code = cleanCode(request.body.code);
    if (!code) return activatePage.show(request, { status: 400, error: 'mfa_code_format' });
    const outcome = await request.mfa.enrollment.verifyTotp(request.ctx, request.who, {
      deviceId: enrolling.deviceId,
      sealedSecret: enrolling.totpSecret,
      code,
    });
    if (outcome !== 'ok') {
      const error = ({ invalid: 'mfa_code_wrong', replayed: 'mfa_code_replayed', throttled: 'mfa_verify_throttled' } as const)[outcome];
      return activatePage.show(request, { status: outcome === 'throttled' ? 429 : 400, error });
    }
    const totp = { sealedSecret: enrolling.totpSecret };
    if (!enrolling.existing) {
      const device: MfaDevice = {
        id: enrolling.deviceId,
        type: enrolling.type,
        platform: enrolling.platform,
        name: defaultDeviceName(enrolling, translatorOf(request.ctx)),
        totp,
        createdAt: new Date().toISOString(),
      };
      return saveProvedDevice(request, device, amrOf(request, 'totp'));
    }
    const changed = await request.mfa.manage.update(request.ctx, request.who, enrolling.deviceId, (device) => ({ ...device, totp }), {
      verifiedAt: request.progress.verifiedAt,
      settingUp: !enrolling.returnTo,
    });
    if (changed.status === 'stale') return request.go({ ...request.progress, page: 'choose', after: 'device', enrolling: undefined });
    return request.go(await afterDevice(request, { ...request.progress, verifiedAt: Date.now() }), amrOf(request, 'totp'));
  },
};
