import { type MessageCode, messageText } from '../../errors/messages.ts';
import { text } from '../../i18n/text.ts';
import type { ChallengeProof, ChallengeResult } from '../../services/mfa/challenge.ts';
import { deviceLabel } from '../../services/mfa/device-names.ts';
import { cleanCode } from '../../services/mfa/one-time-code.ts';
import { startDuo } from './duo-page.ts';
import { postedCredential } from './enroll-key.ts';
import { factorProved } from './finish.ts';
import { methodWords } from './method-words.ts';
import type { MfaPage } from './page.ts';
import { field } from './page.ts';
import type { MfaRequest, Problem } from './request.ts';
import { sendProblem, sentNotice } from './send-problem.ts';

/** The user's devices with their methods, the default first (seed step 13). */
async function choices(request: MfaRequest) {
  const devices = await request.mfa.devices.list(request.who.accountId);
  const options = await request.mfa.challenge.options(request.who.accountId, devices);
  return {
    devices: devices
      .map((device) => ({
        id: device.id,
        label: deviceLabel(device),
        methods: options
          .filter((option) => option.deviceId === device.id)
          .map((option) => ({
            value: `${option.method}:${device.id}`,
            label: wordsOf(request, option.method, 'action'),
            icon: methodOf(request, option.method)?.icon,
          })),
      }))
      .filter((device) => device.methods.length > 0),
    // The account's own methods (recovery codes), below the devices.
    accountWide: options
      .filter((option) => option.deviceId === undefined)
      .map((option) => ({
        value: option.method,
        label: wordsOf(request, option.method, 'action'),
        icon: methodOf(request, option.method)?.icon,
      })),
    duo: request.mfa.duo.enabled(request.who),
    options,
  };
}

/** Seed step 13: "Choose an authentication method"; on later sign-ins, the verification page. */
export const choosePage: MfaPage = {
  name: 'choose',
  async show(request, problem = {}) {
    const { devices, accountWide, duo } = await choices(request);
    const { progress } = request;
    const banner = progress.promptShown && progress.enrolled ? text('mfa:choose.enrolled') : undefined;
    const notice = problem.notice ?? (progress.after ? messageText('mfa_verify_first') : undefined);
    await request.render('choose', { title: text('mfa:choose.title'), devices, accountWide, duo, banner }, { ...problem, notice });
  },
  async submit(request) {
    const action = field(request, 'action');
    if (action === 'settings' || action === 'device') {
      if (request.fresh()) return request.go({ ...request.progress, page: action, after: undefined });
      return request.go({ ...request.progress, after: action });
    }
    const [method = '', deviceId] = (field(request, 'method') ?? '').split(':');
    if (method === 'duo' && request.mfa.duo.enabled(request.who)) return startDuo(request, (problem) => choosePage.show(request, problem));
    const { options } = await choices(request);
    if (!options.some((option) => option.method === method && option.deviceId === deviceId))
      return choosePage.show(request, { status: 400, error: 'mfa_method_unavailable' });
    const chosen = methodOf(request, method);
    if (chosen?.send) {
      const problem = await sendCode(request, method, deviceId!);
      if (problem) return choosePage.show(request, problem);
    }
    const page = chosen?.prompt.kind === 'key' ? 'key-verify' : 'code';
    return request.go({ ...request.progress, page, challenge: { method, deviceId } });
  },
};

async function sendCode(request: MfaRequest, channel: string, deviceId: string): Promise<Problem | undefined> {
  const outcome = await request.mfa.challenge.sendCode(request.ctx, request.who, { bindTo: request.bindTo('signin'), deviceId, channel });
  return sendProblem(outcome);
}

const methodOf = (request: MfaRequest, id: string | undefined) => request.mfa.methods.get(id);
const wordsOf = (request: MfaRequest, id: string, words: 'action') => {
  const method = methodOf(request, id);
  return method ? methodWords(method, words) : id;
};

/** The code prompt of the method being checked, or undefined when it asks for none (a key, Duo). */
function codePrompt(request: MfaRequest) {
  const challenge = request.progress.challenge;
  const method = methodOf(request, challenge?.method);
  return challenge && method?.prompt.kind === 'code' ? { challenge, method, prompt: method.prompt } : undefined;
}

/** The code the chosen method gives: a text, a call, the app's passcode or a recovery code. */
export const codePage: MfaPage = {
  name: 'code',
  async show(request, problem = {}) {
    const asked = codePrompt(request);
    if (!asked) return request.go({ ...request.progress, page: 'choose' });
    const { challenge, method, prompt } = asked;
    const device = challenge.deviceId ? await request.mfa.devices.get(request.who.accountId, challenge.deviceId) : undefined;
    // A sent code says where it went; a resend is offered for what was sent.
    const phone = method.send ? device?.phone : undefined;
    const notice = problem.notice ?? (phone ? sentNotice(method.id, phone.national) : undefined);
    await request.render(
      'code',
      {
        title: methodWords(method, 'promptTitle'),
        label: methodWords(method, 'promptLabel'),
        method: method.id,
        format: prompt.format,
        canResend: Boolean(method.send),
      },
      { ...problem, notice },
    );
  },
  async submit(request) {
    const asked = codePrompt(request);
    if (!asked) return request.go({ ...request.progress, page: 'choose' });
    const { challenge, method, prompt } = asked;
    const action = field(request, 'action');
    if (action === 'back') return request.go({ ...request.progress, page: 'choose', challenge: undefined });
    if (action === 'resend' && method.send) {
      const problem = await sendCode(request, method.id, challenge.deviceId!);
      return codePage.show(request, problem ?? {});
    }
    // Six digits (spaces and dashes dropped), or the text the method reads itself (a recovery code).
    const code = prompt.format === 'digits' ? cleanCode(request.body.code) : field(request, 'code', 64);
    if (!code) return codePage.show(request, { status: 400, error: prompt.format === 'digits' ? 'mfa_code_format' : 'mfa_recovery_wrong' });
    const proof: ChallengeProof = { method: method.id, deviceId: challenge.deviceId, code };
    const result = await request.mfa.challenge.verify(request.ctx, request.who, request.bindTo('signin'), proof);
    if (result.status === 'ok') return factorProved(request, result.amr);
    return codePage.show(request, failure(result, prompt.format === 'digits' ? 'mfa_code_wrong' : 'mfa_recovery_wrong'));
  },
};

/** A security key or passkey, through the page's script. */
export const keyVerifyPage: MfaPage = {
  name: 'key-verify',
  async show(request, problem) {
    await request.render('key', { title: text('mfa:key.useTitle'), optionsUrl: `${request.url('key-verify')}/options`, ceremony: 'authenticate' }, problem);
  },
  async submit(request) {
    if (field(request, 'action') === 'back') return request.go({ ...request.progress, page: 'choose', challenge: undefined });
    const response = postedCredential(request);
    if (!response) return keyVerifyPage.show(request, { status: 400, error: 'mfa_key_failed' });
    const result = await request.mfa.challenge.verify(request.ctx, request.who, request.bindTo('signin'), { method: 'webauthn', response });
    if (result.status === 'ok') return factorProved(request, result.amr);
    return keyVerifyPage.show(request, failure(result, 'mfa_key_failed'));
  },
};

export async function keyAuthenticationOptions(request: MfaRequest): Promise<void> {
  request.ctx.set('cache-control', 'no-store');
  request.ctx.body = await request.mfa.challenge.webauthnOptions(request.who, request.bindTo('signin'));
}

/** What a refused check says; `wrong`: the message for a proof that did not match (a code, a key). */
function failure(result: Exclude<ChallengeResult, { status: 'ok' }>, wrong: MessageCode): Problem {
  switch (result.status) {
    case 'invalid':
      return { status: 400, error: wrong };
    case 'expired':
      return { status: 400, error: 'mfa_code_expired' };
    case 'replayed':
      return { status: 400, error: 'mfa_code_replayed' };
    case 'too_many_attempts':
      return { status: 400, error: 'mfa_code_attempts' };
    case 'throttled':
      return { status: 429, error: 'mfa_verify_throttled' };
    case 'unavailable':
      return { status: 400, error: 'mfa_method_unavailable' };
  }
}
