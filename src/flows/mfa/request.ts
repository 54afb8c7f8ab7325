import type { Context } from 'koa';
import { AppError } from '../../errors/app-error.ts';
import { type MessageCode, messageText } from '../../errors/messages.ts';
import type { Text } from '../../i18n/text.ts';
import type { SecretBox } from '../../lib/secret-box.ts';
import type { MfaSubject } from '../../services/mfa/device-management.ts';
import type { MfaService } from '../../services/mfa/mfa-service.ts';
import type { FlowDeps } from '../deps.ts';
import { readSignInState, type SignInState, saveSignInState } from '../sign-in-state.ts';
import { MFA_STEP, type MfaProgress, type PageName, readProgress, withProgress, wizardPosition } from './progress.ts';
import type { TrustCookie } from './trust-cookie.ts';

/** What the MFA step's pages share. */
export interface MfaDeps {
  mfa: MfaService;
  trustCookie: TrustCookie;
  /** Seals what the wizard keeps in the interaction for a moment (new recovery codes). */
  box: SecretBox;
}

/** Posted fields worth showing again after a refused post; never codes or secrets. */
const REPOSTED_FIELDS = ['country', 'number', 'name', 'type', 'platform', 'defaultDevice', 'whenILogIn'];

function repostedFields(body: Record<string, unknown>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const name of REPOSTED_FIELDS) {
    const value = body[name];
    if (typeof value === 'string' && value.length <= 64) fields[name] = value;
  }
  return fields;
}

/** What went wrong (or right) with the last post, shown above the form. */
export interface Problem {
  status?: number;
  error?: MessageCode;
  notice?: string | Text;
}

/** One request to an MFA page: the sign-in it belongs to, its progress, and how to answer. */
export interface MfaRequest {
  ctx: Context;
  deps: FlowDeps;
  mfa: MfaService;
  trustCookie: TrustCookie;
  box: SecretBox;
  uid: string;
  state: SignInState;
  progress: MfaProgress;
  /** No progress was stored yet: this is the step's first page view in this sign-in. */
  isNew: boolean;
  who: MfaSubject;
  body: Record<string, unknown>;
  /** The authorization request's parameters (acr_values, claims: a step-up). */
  params: Record<string, unknown>;
  /** Where a page lives. */
  url(page?: PageName): string;
  /** The flow a code or WebAuthn challenge is bound to. */
  bindTo(purpose: 'enroll' | 'signin'): string;
  /** Whether a factor was proved recently enough to manage devices. */
  fresh(progress?: MfaProgress): boolean;
  /** Saves the progress (and a newly proved amr method) into the interaction. */
  save(progress: MfaProgress, amr?: string): Promise<SignInState>;
  /** Saves and sends the browser to the progress' page. */
  go(progress: MfaProgress, amr?: string): Promise<void>;
  /**
   * Shows the current page. Answering a post, it renders nothing: the
   * problem or notice is kept and the browser is sent to the page (post/
   * redirect/get), so reload and Back never resubmit a form.
   */
  render(view: string, data: Record<string, unknown> & { title: string | Text }, problem?: Problem): Promise<void>;
}

/**
 * Loads the sign-in an MFA page belongs to, refusing when the interaction is
 * not at the MFA step (expired, finished, another user's). A posted "Trust
 * this browser" box is taken into the progress on every page.
 */
export async function loadMfaRequest(
  deps: FlowDeps,
  mfaDeps: MfaDeps,
  ctx: Context,
  initial?: (who: MfaSubject, uid: string, params: Record<string, unknown>) => Promise<MfaProgress>,
): Promise<MfaRequest> {
  const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
  const state = readSignInState(details);
  if (details.prompt.name !== 'login' || !state?.accountId) throw new AppError('interaction_expired', 400);
  const who = await mfaDeps.mfa.subject(state.accountId);
  if (who?.account.status !== 'active') throw new AppError('interaction_expired', 400);
  const stored = readProgress(state);
  if (stored?.done) throw new AppError('interaction_expired', 400);
  let progress = stored ?? (await initial?.(who, details.uid, details.params));
  if (!progress) throw new AppError('mfa_out_of_turn', 409);
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  if (ctx.method === 'POST' && body.trustShown === '1') progress = { ...progress, trust: body.trust === 'on' };

  const uid = details.uid;
  const base = `/interaction/${uid}/${MFA_STEP}`;
  const request: MfaRequest = {
    ctx,
    deps,
    mfa: mfaDeps.mfa,
    trustCookie: mfaDeps.trustCookie,
    box: mfaDeps.box,
    uid,
    state,
    progress,
    isNew: !stored,
    who,
    body,
    params: details.params,
    url: (page) => (page ? `${base}/${page}` : base),
    bindTo: (purpose) => `${purpose}:${uid}`,
    fresh: (current = request.progress) => current.verifiedAt !== undefined && Date.now() - current.verifiedAt <= who.policy.freshFactorSeconds * 1000,
    async save(next, amr) {
      const saved = withProgress(request.state, next, amr);
      await saveSignInState(deps.provider, ctx, saved);
      request.state = saved;
      request.progress = next;
      return saved;
    },
    async go(next, amr) {
      await request.save(next, amr);
      ctx.status = 303;
      ctx.redirect(request.url(next.page));
    },
    async render(view, data, problem = {}) {
      if (ctx.method === 'POST') {
        const flash = { status: problem.status, error: problem.error, notice: problem.notice, fields: repostedFields(body) };
        return request.go({ ...request.progress, flash });
      }
      if (problem.status) ctx.status = problem.status;
      await deps.render(ctx, `mfa/${view}`, {
        uid,
        base,
        csrfToken: deps.csrf.token(ctx),
        siteName: who.siteName,
        brand: { name: who.siteName },
        // "Step 3 of 6" through the enrollment (none on a returning user's prompt).
        wizard: wizardPosition(request.progress, { recoveryCodes: Boolean(who.policy.recoveryCodes) }),
        trust: request.progress.trust,
        trustDays: who.policy.trustBrowserDays,
        error: problem.error ? messageText(problem.error) : undefined,
        notice: problem.notice,
        ...data,
      });
    },
  };
  return request;
}
