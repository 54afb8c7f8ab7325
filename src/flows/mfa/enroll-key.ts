import { translatorOf } from '../../i18n/middleware.ts';
import { text } from '../../i18n/text.ts';
import { amrOfWebAuthn } from '../../kit/factor.ts';
import { defaultDeviceName } from '../../services/mfa/device-names.ts';
import type { MfaDevice } from '../../services/mfa/devices.ts';
import { saveProvedDevice } from './enroll-phone.ts';
import type { MfaPage } from './page.ts';
import { field } from './page.ts';
import type { MfaRequest } from './request.ts';

/** The browser's WebAuthn answer, as posted by public/mfa-webauthn.js (JSON in a hidden field). */
export function postedCredential(request: MfaRequest): unknown {
  const raw = field(request, 'credential', 16_384);
  if (!raw) return undefined;
  try {
    const value = JSON.parse(raw) as unknown;
    return value && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Security keys and passkeys: registered with WebAuthn in the browser (needs the page's script). */
export const keyPage: MfaPage = {
  name: 'key',
  async show(request, problem) {
    await request.render('key', { title: text('mfa:key.addTitle'), optionsUrl: `${request.url('key')}/options`, ceremony: 'register' }, problem);
  },
  async submit(request) {
    const enrolling = request.progress.enrolling;
    if (enrolling?.type !== 'security_key') return request.go({ ...request.progress, page: 'device' });
    if (field(request, 'action') === 'back') return request.go({ ...request.progress, page: 'device', enrolling: undefined });
    const response = postedCredential(request);
    const credential = response ? await request.mfa.enrollment.verifyKey(request.ctx, request.who, { bindTo: request.bindTo('enroll'), response }) : undefined;
    if (!credential) return keyPage.show(request, { status: 400, error: 'mfa_key_failed' });
    const device: MfaDevice = {
      id: enrolling.deviceId,
      type: 'security_key',
      name: defaultDeviceName({ type: 'security_key', webauthn: credential }, translatorOf(request.ctx)),
      webauthn: credential,
      createdAt: new Date().toISOString(),
    };
    return saveProvedDevice(request, device, amrOfWebAuthn(credential));
  },
};

/** The registration options for the page's script (JSON; the challenge is kept server-side for this sign-in). */
export async function keyRegistrationOptions(request: MfaRequest): Promise<void> {
  request.ctx.set('cache-control', 'no-store');
  request.ctx.body = await request.mfa.enrollment.keyOptions(request.who, request.bindTo('enroll'));
}
