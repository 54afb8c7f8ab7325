import { z } from 'zod';
import { localeOf, translatorOf } from '../../i18n/middleware.ts';
import { text } from '../../i18n/text.ts';
import { defaultDeviceName } from '../../services/mfa/device-names.ts';
import type { MfaDevice } from '../../services/mfa/devices.ts';
import { cleanCode } from '../../services/mfa/one-time-code.ts';
import { afterDevice } from './after-device.ts';
import type { MfaPage } from './page.ts';
import { field } from './page.ts';
import type { Enrolling } from './progress.ts';
import type { MfaRequest } from './request.ts';
import { sendProblem, sentNotice } from './send-problem.ts';

// Back needs no number; Continue posts the country, the number and, the second time, "this number is correct".
const phoneForm = z.union([
  z.object({ action: z.literal('back') }),
  z.object({ country: z.string().max(2), number: z.string().max(40), confirmed: z.literal('on').optional() }),
]);

/** The device being added takes a phone number (else the wizard goes back to the device's type). */
const takesNumber = (enrolling: Enrolling | undefined): enrolling is Enrolling & { type: 'mobile' | 'landline' } =>
  enrolling?.type === 'mobile' || enrolling?.type === 'landline';

/** Seed steps 6–7: "Enter your phone number", then "is this number correct?". */
export const phonePage: MfaPage<z.infer<typeof phoneForm>> = {
  name: 'phone',
  async show(request, problem) {
    const phones = request.mfa.phoneNumbers;
    const pending = request.progress.enrolling?.phone;
    // The region selector's country (cookie admit.region, src/region) when its numbers may be enrolled, else the site's default.
    const regional = phones.countries.find((option) => option.code === request.ctx.cookies.get('admit.region'))?.code;
    const country = (typeof request.body.country === 'string' ? request.body.country : undefined) ?? pending?.country ?? regional ?? phones.defaultCountry;
    await request.render(
      'phone',
      {
        title: text('mfa:phone.title'),
        // Named in the page's language (Intl.DisplayNames), in its order.
        countries: phones.countriesIn(localeOf(request.ctx)),
        country,
        number: typeof request.body.number === 'string' ? request.body.number.slice(0, 40) : (pending?.national ?? ''),
        pending: pending && !pending.confirmed ? pending : undefined,
      },
      problem,
    );
  },
  input: {
    body: phoneForm,
    async refused(request) {
      if (!takesNumber(request.progress.enrolling)) return request.go({ ...request.progress, page: 'device' });
      return phonePage.show(request, { status: 400, error: 'mfa_phone_invalid' });
    },
  },
  async submit(request, form) {
    const enrolling = request.progress.enrolling;
    if (!takesNumber(enrolling)) return request.go({ ...request.progress, page: 'device' });
    if ('action' in form) return request.go({ ...request.progress, page: 'device', enrolling: undefined });
    const parsed = request.mfa.phoneNumbers.parse(form.country, form.number);
    if (parsed.status !== 'ok')
      return phonePage.show(request, { status: 400, error: parsed.status === 'invalid' ? 'mfa_phone_invalid' : 'mfa_phone_country_not_allowed' });
    const mine = await request.mfa.devices.list(request.who.accountId);
    if (mine.some((device) => device.phone?.e164 === parsed.phone.e164)) return phonePage.show(request, { status: 400, error: 'mfa_phone_taken' });
    const same = enrolling.phone?.e164 === parsed.phone.e164;
    if (same && form.confirmed)
      return request.go({ ...request.progress, page: 'verify-phone', enrolling: { ...enrolling, phone: { ...parsed.phone, confirmed: true } } });
    const next = { ...request.progress, enrolling: { ...enrolling, phone: { ...parsed.phone, confirmed: false } } };
    if (!same) return request.go(next);
    await request.save(next);
    return phonePage.show(request, { status: 400, error: 'mfa_phone_confirm' });
  },
};

/** Seed step 8: "Verify Ownership of …": Call me / Text me, then the 6-digit code. */
export const verifyPhonePage: MfaPage = {
  name: 'verify-phone',
  async show(request, problem) {
    const enrolling = request.progress.enrolling;
    if (!enrolling?.phone) return request.go({ ...request.progress, page: 'phone' });
    const notice = problem?.notice ?? (enrolling.sentBy ? sentNotice(enrolling.sentBy, enrolling.phone.national) : undefined);
    await request.render(
      'verify-phone',
      { title: text('mfa:verifyPhone.title', { phone: enrolling.phone.national }), phone: enrolling.phone, canText: enrolling.type === 'mobile' },
      { ...problem, notice },
    );
  },
  async submit(request) {
    const enrolling = request.progress.enrolling;
    if (!enrolling?.phone?.confirmed) return request.go({ ...request.progress, page: 'phone' });
    const action = field(request, 'action');
    if (action === 'back')
      return request.go({
        ...request.progress,
        page: 'phone',
        enrolling: { ...enrolling, phone: { ...enrolling.phone, confirmed: false }, sentBy: undefined },
      });
    if (action === 'sms' || action === 'call') {
      if (action === 'sms' && enrolling.type !== 'mobile') return verifyPhonePage.show(request, { status: 400, error: 'mfa_method_unavailable' });
      const outcome = await request.mfa.enrollment.sendCode(request.ctx, request.who, {
        bindTo: request.bindTo('enroll'),
        phone: enrolling.phone,
        channel: action,
      });
      const problem = sendProblem(outcome);
      if (problem) return verifyPhonePage.show(request, problem);
      return request.go({ ...request.progress, enrolling: { ...enrolling, sentBy: action } });
    }
    const code = cleanCode(request.body.code);
    if (!code) return verifyPhonePage.show(request, { status: 400, error: 'mfa_code_format' });
    const checked = await request.mfa.enrollment.verifyCode(request.ctx, request.who, { bindTo: request.bindTo('enroll'), phone: enrolling.phone, code });
    if (checked.status !== 'ok') return verifyPhonePage.show(request, codeProblem(checked.status));
    const { confirmed: _confirmed, ...phone } = enrolling.phone;
    const device: MfaDevice = {
      id: enrolling.deviceId,
      type: enrolling.type,
      name: defaultDeviceName({ type: enrolling.type }, translatorOf(request.ctx)),
      phone,
      createdAt: new Date().toISOString(),
    };
    return saveProvedDevice(request, device, amrOf(request, checked.channel), enrolling.type === 'mobile' ? 'phone-type' : undefined);
  },
};

function codeProblem(status: 'invalid' | 'expired' | 'too_many_attempts' | 'throttled') {
  const error = (
    { invalid: 'mfa_code_wrong', expired: 'mfa_code_expired', too_many_attempts: 'mfa_code_attempts', throttled: 'mfa_verify_throttled' } as const
  )[status];
  return { status: status === 'throttled' ? 429 : 400, error };
}

/** Saves a device whose possession was just proved; the proof counts for this sign-in. */
/** The amr a method's proof claims (its plugin says). */
export function amrOf(request: MfaRequest, methodId: string): string {
  const method = request.mfa.methods.get(methodId);
  if (!method) throw new Error(`no "${methodId}" MFA method is registered`);
  return method.amr;
}

export async function saveProvedDevice(request: MfaRequest, device: MfaDevice, amr: string, nextPage?: 'phone-type'): Promise<void> {
  const added = await request.mfa.manage.add(request.ctx, request.who, device, { verifiedAt: request.progress.verifiedAt });
  if (added.status === 'stale') return request.go({ ...request.progress, page: 'choose', after: 'device', enrolling: undefined });
  if (added.status !== 'ok') return request.go({ ...request.progress, page: 'device', enrolling: undefined });
  const proved = { ...request.progress, verifiedAt: Date.now(), enrolled: true };
  // Saved but not finished until its type (and app) are set: Cancel before then takes it back.
  if (nextPage)
    return request.go(
      {
        ...proved,
        page: nextPage,
        unfinished: [...(proved.unfinished ?? []), device.id],
        enrolling: { ...request.progress.enrolling!, phone: undefined, sentBy: undefined, existing: true },
      },
      amr,
    );
  return request.go(await afterDevice(request, proved), amr);
}

const platformForm = z.object({ platform: z.enum(['iphone', 'android', 'windows', 'other']) });

/** Seed step 9: "What type of phone is …?" (tablets: "What type of tablet is this?"). */
export const phoneTypePage: MfaPage<z.infer<typeof platformForm>> = {
  name: 'phone-type',
  async show(request, problem) {
    const enrolling = request.progress.enrolling;
    if (!enrolling) return request.go({ ...request.progress, page: 'device' });
    const device = enrolling.existing ? await request.mfa.devices.get(request.who.accountId, enrolling.deviceId) : undefined;
    const tablet = enrolling.type === 'tablet';
    await request.render(
      'phone-type',
      {
        title: tablet
          ? text('mfa:phoneType.tabletTitle')
          : device?.phone
            ? text('mfa:phoneType.phoneTitle', { phone: device.phone.national })
            : text('mfa:phoneType.thisPhoneTitle'),
        tablet,
        platform: enrolling.platform ?? 'iphone',
      },
      problem,
    );
  },
  input: {
    body: platformForm,
    async refused(request) {
      if (!request.progress.enrolling) return request.go({ ...request.progress, page: 'device' });
      return phoneTypePage.show(request, { status: 400, error: 'mfa_choose_option' });
    },
  },
  async submit(request, { platform }) {
    const enrolling = request.progress.enrolling;
    if (!enrolling) return request.go({ ...request.progress, page: 'device' });
    if (enrolling.type === 'tablet') return request.go({ ...request.progress, page: 'app', enrolling: { ...enrolling, platform } });
    const changed = await request.mfa.manage.update(
      request.ctx,
      request.who,
      enrolling.deviceId,
      (device) => ({ ...device, platform, name: defaultDeviceName({ type: device.type, platform }, translatorOf(request.ctx)) }),
      { verifiedAt: request.progress.verifiedAt },
    );
    if (changed.status === 'stale') return request.go({ ...request.progress, page: 'choose', after: 'device', enrolling: undefined });
    // "Other (and cell phones)" cannot run an authenticator app: texts and calls it is.
    if (platform === 'other') return request.go(await afterDevice(request, request.progress));
    return request.go({ ...request.progress, page: 'app', enrolling: { ...enrolling, platform } });
  },
};
