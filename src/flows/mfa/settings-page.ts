import { z } from 'zod';
import { formatDate, localeOf, text } from '../../i18n/index.ts';
import { deviceLabel } from '../../services/mfa/device-names.ts';
import type { MfaDevice } from '../../services/mfa/devices.ts';
import { completeSecondFactor } from './finish.ts';
import { methodWords } from './method-words.ts';
import type { MfaPage } from './page.ts';
import { showCodes } from './recovery-page.ts';
import type { MfaRequest, Problem } from './request.ts';

const ASK = { value: 'ask', label: text('mfa:settings.ask') };

/** A button: its verb, and after a colon the device or trusted browser it names (at most 200 characters, as every button). */
const button = (verbs: string) =>
  z
    .string()
    .max(200)
    .regex(new RegExp(`^(${verbs})(:|$)`));
// The automatic choices are the methods' own ("When I log in" of their plugin); any other value is saved as "Ask", below.
const saveForm = z.object({ action: button('save'), defaultDevice: z.string().min(1).max(64), whenILogIn: z.string().min(1).max(40) });
/** Save posts the default device and "When I log in"; the other buttons need no field. */
const settingsForm = z.union([saveForm, z.object({ action: button('continue|add|options|recovery|forget') })]);

/** Seed step 12: "My Settings & Devices". Reached only with a second factor proved in this sign-in. */
export const settingsPage: MfaPage<z.infer<typeof settingsForm>> = {
  name: 'settings',
  async show(request, problem) {
    if (!request.fresh()) return request.go({ ...request.progress, page: 'choose', after: 'settings' });
    const { accountId } = request.who;
    const [devices, settings, recoveryLeft, browsers] = await Promise.all([
      request.mfa.devices.list(accountId),
      request.mfa.settings(accountId),
      request.mfa.recoveryCodesLeft(accountId),
      request.mfa.trustedBrowsers.list(accountId),
    ]);
    await request.render(
      'settings',
      {
        title: text('mfa:settings.title'),
        devices: devices.map((device) => ({ id: device.id, label: deviceLabel(device), type: device.type, methods: request.mfa.methods.idsOf(device) })),
        // Only what the default device can do (the list puts the default first): a tablet takes no texts or calls.
        defaultDeviceId: settings.defaultDeviceId,
        whenILogIn: settings.whenILogIn,
        whenOptions: whenOptionsFor(request, devices[0]),
        recoveryLeft,
        recoveryOffered: request.who.policy.recoveryCodes,
        // "trusted until" as a date in the page's language.
        browsers: browsers.map((browser) => ({ ...browser, until: formatDate(localeOf(request.ctx), browser.expiresAt) })),
      },
      problem,
    );
  },
  input: {
    body: settingsForm,
    async refused(request) {
      if (!request.fresh()) return request.go({ ...request.progress, page: 'choose', after: 'settings' });
      return settingsPage.show(request, { status: 400, error: 'mfa_choose_option' });
    },
  },
  async submit(request, form) {
    if (!request.fresh()) return request.go({ ...request.progress, page: 'choose', after: 'settings' });
    if ('defaultDevice' in form) return save(request, form);
    const [verb, id] = form.action.split(':');
    switch (verb) {
      case 'continue':
        // "Continue to Login" is the login prompt (seed step 13) unless a factor was already proved at it in this
        // sign-in: proving one while enrolling a device is not signing in with it.
        if (!request.progress.promptVerified) return request.go({ ...request.progress, page: 'choose', promptShown: true, after: undefined });
        return completeSecondFactor(request, request.progress);
      case 'add':
        return request.go({ ...request.progress, page: 'device' });
      case 'options':
        if (!id || !(await request.mfa.devices.get(request.who.accountId, id))) return settingsPage.show(request, { status: 400, error: 'mfa_device_unknown' });
        return request.go({ ...request.progress, page: 'device-options', optionsDeviceId: id });
      case 'recovery': {
        const made = await request.mfa.manage.regenerateRecoveryCodes(request.ctx, request.who, request.progress);
        if (made.status !== 'ok') return request.go({ ...request.progress, page: 'choose', after: 'settings' });
        return request.go(showCodes(request, { ...request.progress, recoveryOffered: true }, made.value));
      }
      case 'forget':
        if (id) {
          await request.mfa.trustedBrowsers.revoke(request.who.accountId, id);
          request.mfa.audit(request.ctx, request.who, 'mfa_trusted_browser', 'revoked');
        }
        return settingsPage.show(request, { notice: text('mfa:settings.forgotten') });
      default:
        return settingsPage.show(request, { status: 400, error: 'mfa_choose_option' });
    }
  },
};

/** "Ask", then the automatic choices the device can do. */
const whenOptionsFor = (request: MfaRequest, device: MfaDevice | undefined) => [
  ASK,
  ...request.mfa.methods.whenILogIn(device).map((method) => ({ value: method.id, label: methodWords(method, 'whenILogIn') })),
];

async function save(request: MfaRequest, form: z.infer<typeof saveForm>): Promise<void> {
  // The page offered the automatic choices of the default device it showed; a new default that cannot do the
  // choice (a tablet chosen with "text message" still selected) is saved with "Ask" rather than refused.
  const device = await request.mfa.devices.get(request.who.accountId, form.defaultDevice);
  const possible = whenOptionsFor(request, device).some((option) => option.value === form.whenILogIn);
  const whenILogIn = possible ? form.whenILogIn : 'ask';
  const saved = await request.mfa.manage.saveSettings(request.ctx, request.who, { defaultDeviceId: form.defaultDevice, whenILogIn }, request.progress);
  const problems: Record<string, Problem> = {
    ok: {
      notice: possible
        ? text('mfa:settings.saved')
        : device
          ? text('mfa:settings.savedAsk', { device: deviceLabel(device) })
          : text('mfa:settings.savedAskThis'),
    },
    unknown_device: { status: 400, error: 'mfa_device_unknown' },
    invalid: { status: 400, error: 'mfa_method_unavailable' },
  };
  if (saved.status === 'stale') return request.go({ ...request.progress, page: 'choose', after: 'settings' });
  await request.save(request.progress);
  return settingsPage.show(request, problems[saved.status] ?? { status: 400, error: 'mfa_choose_option' });
}
