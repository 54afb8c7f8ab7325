import { text } from '../../i18n/text.ts';
import { completeWithoutFactor, factorProved } from './finish.ts';
import type { MfaPage } from './page.ts';
import { field } from './page.ts';
import type { MfaRequest, Problem } from './request.ts';
import { asksForMfa } from './step-up.ts';

/** Where Duo sends the browser back: this sign-in's Duo page (Duo adds duo_code and state). */
const returnUrl = (request: MfaRequest) => `${request.deps.config.server.issuer}${request.url('duo')}`;

/**
 * "Duo Security" on the choose page: a health check, then the browser goes
 * to Duo's Universal Prompt with a fresh state kept (hashed) in this
 * sign-in. When Duo is down the site's fail mode decides: closed (the
 * default) shows `onProblem`; open lets the sign-in go on without a factor,
 * except when the application asked for the MFA level.
 */
export async function startDuo(request: MfaRequest, onProblem: (problem: Problem) => Promise<void>): Promise<void> {
  const begun = await request.mfa.duo.begin(request.ctx, request.who, returnUrl(request));
  if (begun.status === 'throttled') return onProblem({ status: 429, error: 'mfa_verify_throttled' });
  if (begun.status === 'unavailable') {
    if (begun.failOpen && !asksForMfa(request.params) && !request.progress.after) return completeWithoutFactor(request, 'duo_fail_open');
    return onProblem({ status: 503, error: 'mfa_duo_unavailable' });
  }
  await request.save({ ...request.progress, page: 'duo', challenge: { method: 'duo', duoState: begun.stateHash } });
  request.ctx.status = 303;
  request.ctx.redirect(begun.url);
}

const single = (value: unknown) => (typeof value === 'string' && value.length > 0 && value.length <= 2048 ? value : undefined);

/** The way back from Duo, and the page to retry or choose another method from. */
export const duoPage: MfaPage = {
  name: 'duo',
  async show(request, problem) {
    const challenge = request.progress.challenge;
    if (challenge?.method !== 'duo') return request.go({ ...request.progress, page: 'choose', challenge: undefined });
    const { query } = request.ctx;
    if (!problem && challenge.duoState && (single(query.duo_code) || single(query.error))) return returned(request, challenge.duoState);
    await request.render('duo', { title: text('mfa:duo.title') }, problem);
  },
  async submit(request) {
    if (field(request, 'action') === 'retry') return startDuo(request, (problem) => duoPage.show(request, problem));
    return request.go({ ...request.progress, page: 'choose', challenge: undefined });
  },
};

async function returned(request: MfaRequest, stateHash: string): Promise<void> {
  const code = single(request.ctx.query.duo_code);
  const state = single(request.ctx.query.state);
  // One return per redirect: the state is forgotten before anything is checked, so a replayed return finds none.
  await request.save({ ...request.progress, challenge: { method: 'duo' } });
  if (!code || !state) return duoPage.show(request, { status: 400, error: 'mfa_duo_denied' });
  const result = await request.mfa.duo.finish(request.ctx, request.who, { stateHash, state, code, redirectUrl: returnUrl(request) });
  switch (result.status) {
    case 'ok':
      if (result.amr) return factorProved(request, result.amr);
      // Duo asked for nothing now (a remembered device, a bypassed user): not enough for a step-up or for managing devices.
      if (asksForMfa(request.params) || request.progress.after) return duoPage.show(request, { status: 400, error: 'mfa_duo_no_factor' });
      return completeWithoutFactor(request, 'duo_no_factor');
    case 'denied':
      return duoPage.show(request, { status: 400, error: 'mfa_duo_denied' });
    case 'throttled':
      return duoPage.show(request, { status: 429, error: 'mfa_verify_throttled' });
    case 'invalid':
    case 'unavailable':
      return duoPage.show(request, { status: 400, error: 'mfa_duo_failed' });
  }
}
