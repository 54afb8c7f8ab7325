import type { ChallengeProof, ChallengeResult } from '../../services/mfa/challenge.ts';
import { cleanCode } from '../../services/mfa/one-time-code.ts';
import { deviceLabel } from '../../services/mfa/device-names.ts';
import { messages } from '../../errors/messages.ts';
import type { MfaPage } from './page.ts';
import { field } from './page.ts';
import type { MfaRequest, Problem } from './request.ts';
import type { ChallengeMethod } from './progress.ts';
import { factorProved } from './finish.ts';
import { postedCredential } from './enroll-key.ts';
import { sendProblem, sentNotice } from './send-problem.ts';
import { startDuo } from './duo-page.ts';

const METHOD_BUTTONS: Record<Exclude<ChallengeMethod, 'duo'>, string> = { sms: 'Text me', call: 'Call me', totp: 'Passcode', webauthn: 'Security key', recovery: 'Recovery code' };

/** The user's devices with their methods, the default first (seed step 13). */
async function choices(request: MfaRequest) {
  const devices = await request.mfa.devices.list(request.who.accountId);
  const options = await request.mfa.challenge.options(request.who.accountId, devices);
  return {
    devices: devices.map((device) => ({
      id: device.id, label: deviceLabel(device),
      methods: options.filter((option) => option.deviceId === device.id).map((option) => ({ value: `${option.method}:${device.id}`, label: METHOD_BUTTONS[option.method] })),
    })).filter((device) => device.methods.length > 0),
    recovery: options.some((option) => option.method === 'recovery'),
    duo: request.mfa.duo.enabled(request.who),
    options,
  };
}

/** Seed step 13: "Choose an authentication method"; on later sign-ins, the verification page. */
export const choosePage: MfaPage = {
  name: 'choose',
  async show(request, problem = {}) {
    const { devices, recovery, duo } = await choices(request);
    const { progress } = request;
    const banner = progress.promptShown && progress.enrolled ? 'Enrollment successful! This is the login prompt that you\'ll normally see when logging in.' : undefined;
    const notice = problem.notice ?? (progress.after ? messages.mfa_verify_first : undefined);
    await request.render('choose', { title: 'Choose an authentication method', devices, recovery, duo, banner }, { ...problem, notice });
  },
  async submit(request) {
    const action = field(request, 'action');
    if (action === 'settings' || action === 'device') {
      if (request.fresh()) return request.go({ ...request.progress, page: action, after: undefined });
      return request.go({ ...request.progress, after: action });
    }
    const [method, deviceId] = (field(request, 'method') ?? '').split(':') as [ChallengeMethod, string | undefined];
    if (method === 'duo' && request.mfa.duo.enabled(request.who)) return startDuo(request, (problem) => choosePage.show(request, problem));
    const { options } = await choices(request);
    if (!options.some((option) => option.method === method && option.deviceId === deviceId)) return choosePage.show(request, { status: 400, error: 'mfa_method_unavailable' });
    if (method === 'sms' || method === 'call') {
      const problem = await sendCode(request, method, deviceId!);
      if (problem) return choosePage.show(request, problem);
    }
    const page = method === 'webauthn' ? 'key-verify' : 'code';
    return request.go({ ...request.progress, page, challenge: { method, deviceId } });
  },
};

async function sendCode(request: MfaRequest, channel: 'sms' | 'call', deviceId: string): Promise<Problem | undefined> {
  const outcome = await request.mfa.challenge.sendCode(request.ctx, request.who, { bindTo: request.bindTo('signin'), deviceId, channel });
  return sendProblem(outcome);
}

const CODE_TITLES: Record<Exclude<ChallengeMethod, 'webauthn' | 'duo'>, { title: string; label: string }> = {
  sms: { title: 'Enter your 6-digit code', label: 'Enter your 6-digit code' },
  call: { title: 'Enter your 6-digit code', label: 'Enter your 6-digit code' },
  totp: { title: 'Enter a passcode', label: 'Passcode from your authenticator app' },
  recovery: { title: 'Enter a recovery code', label: 'Recovery code' },
};

/** The code the chosen method gives: a text, a call, the app's passcode or a recovery code. */
export const codePage: MfaPage = {
  name: 'code',
  async show(request, problem = {}) {
    const challenge = request.progress.challenge;
    if (!challenge || challenge.method === 'webauthn' || challenge.method === 'duo') return request.go({ ...request.progress, page: 'choose' });
    const device = challenge.deviceId ? await request.mfa.devices.get(request.who.accountId, challenge.deviceId) : undefined;
    const phone = challenge.method === 'sms' || challenge.method === 'call' ? device?.phone : undefined;
    const notice = problem.notice ?? (phone ? sentNotice(challenge.method as 'sms' | 'call', phone.national) : undefined);
    await request.render('code', { ...CODE_TITLES[challenge.method], method: challenge.method, canResend: Boolean(phone) }, { ...problem, notice });
  },
  async submit(request) {
    const challenge = request.progress.challenge;
    if (!challenge || challenge.method === 'webauthn' || challenge.method === 'duo') return request.go({ ...request.progress, page: 'choose' });
    const action = field(request, 'action');
    if (action === 'back') return request.go({ ...request.progress, page: 'choose', challenge: undefined });
    if (action === 'resend' && (challenge.method === 'sms' || challenge.method === 'call')) {
      const problem = await sendCode(request, challenge.method, challenge.deviceId!);
      return codePage.show(request, problem ?? {});
    }
    let proof: ChallengeProof;
    if (challenge.method === 'recovery') {
      const code = field(request, 'code', 64);
      if (!code) return codePage.show(request, { status: 400, error: 'mfa_recovery_wrong' });
      proof = { method: 'recovery', code };
    } else {
      const code = cleanCode(request.body.code);
      if (!code) return codePage.show(request, { status: 400, error: 'mfa_code_format' });
      proof = { method: challenge.method, deviceId: challenge.deviceId!, code };
    }
    const result = await request.mfa.challenge.verify(request.ctx, request.who, request.bindTo('signin'), proof);
    if (result.status === 'ok') return factorProved(request, result.amr);
    return codePage.show(request, failure(result, challenge.method));
  },
};

/** A security key or passkey, through the page's script. */
export const keyVerifyPage: MfaPage = {
  name: 'key-verify',
  async show(request, problem) {
    await request.render('key', { title: 'Use your security key', optionsUrl: `${request.url('key-verify')}/options`, ceremony: 'authenticate' }, problem);
  },
  async submit(request) {
    if (field(request, 'action') === 'back') return request.go({ ...request.progress, page: 'choose', challenge: undefined });
    const response = postedCredential(request);
    if (!response) return keyVerifyPage.show(request, { status: 400, error: 'mfa_key_failed' });
    const result = await request.mfa.challenge.verify(request.ctx, request.who, request.bindTo('signin'), { method: 'webauthn', response });
    if (result.status === 'ok') return factorProved(request, result.amr);
    return keyVerifyPage.show(request, failure(result, 'webauthn'));
  },
};

export async function keyAuthenticationOptions(request: MfaRequest): Promise<void> {
  request.ctx.set('cache-control', 'no-store');
  request.ctx.body = await request.mfa.challenge.webauthnOptions(request.who, request.bindTo('signin'));
}

function failure(result: Exclude<ChallengeResult, { status: 'ok' }>, method: ChallengeMethod): Problem {
  switch (result.status) {
    case 'invalid':
      return { status: 400, error: method === 'recovery' ? 'mfa_recovery_wrong' : method === 'webauthn' ? 'mfa_key_failed' : 'mfa_code_wrong' };
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
