import { bodyParser } from '@koa/bodyparser';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { AppError } from '../../errors/app-error.ts';
import { passwordChangeForm } from '../../http/pages/password-forms.ts';
import { type PasswordProblem, problemOf, renderPasswordPage } from '../../http/pages/password-page.ts';
import { guard } from '../../http/route-input.ts';
import type { PasswordService } from '../../services/passwords.ts';
import { continueSignIn, PASSWORD_STEP } from '../continue-sign-in.ts';
import type { FlowDeps, SignInStep } from '../deps.ts';
import { readSignInState, type SignInState, saveSignInState } from '../sign-in-state.ts';

/** What the last post went wrong with, shown once by the GET it redirects to (post/redirect/get). */
type Flash = Omit<PasswordProblem, 'unmet'> & { unmet?: string[] };

/**
 * The sign-in's "Change Password" step: after a first sign-in (the seed's
 * step 14) or when the directory says the password expired or must change.
 * The sequencer (sequencer.ts) lets its pages answer only while it is the
 * current step: after the second factor, never instead of it.
 */
export function passwordChangeStep({ passwords }: { passwords: PasswordService }): SignInStep {
  return {
    name: PASSWORD_STEP,
    async isNeeded(_ctx, state) {
      return state.passwordChangeRequired === true;
    },
    routes(router: Router, deps: FlowDeps) {
      const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
      router.get(`/${PASSWORD_STEP}`, async (ctx) => {
        const { uid, state } = await stepState(deps, ctx);
        const flash = state.steps?.[PASSWORD_STEP] as Flash | undefined;
        if (flash) await saveSignInState(deps.provider, ctx, { ...state, steps: { ...state.steps, [PASSWORD_STEP]: undefined } });
        await show(deps, ctx, uid, state, flash);
      });
      // A refused form is said on the step's page, like a refused password.
      const input = guard({
        body: passwordChangeForm,
        invalid: async (ctx, refusal) => {
          const { uid, state } = await stepState(deps, ctx);
          await again(deps, ctx, uid, state, { status: 400, error: refusal.code });
        },
      });
      router.post(`/${PASSWORD_STEP}`, form, deps.csrf.verify, input, async (ctx) => {
        const { uid, state } = await stepState(deps, ctx);
        const posted = input.input(ctx).body;
        const result = await passwords.change(ctx, { siteId: state.siteId, username: state.username, accountId: state.accountId || undefined, ...posted });
        const problem = problemOf(result);
        if (problem)
          return again(deps, ctx, uid, state, {
            status: problem.status,
            error: problem.error,
            reason: problem.reason,
            unmet: problem.unmet?.map((rule) => rule.id),
          });
        return finish(deps, ctx, uid, state, posted.newPassword);
      });
    },
  };

  async function finish(deps: FlowDeps, ctx: Context, uid: string, state: SignInState, newPassword: string) {
    let accountId = state.accountId;
    if (!accountId) {
      // The directory hid who this was until the password changed: ask it again with the new one.
      const site = deps.sites.get(state.siteId);
      const outcome = await site?.connector.verifyPassword({ username: state.username, password: newPassword });
      if (!site || outcome?.status !== 'ok') throw new AppError('interaction_expired', 400);
      // The approval gate applies here too: the password is changed, but an unregistered or waiting person goes no further.
      const admitted = await deps.admission.resolve(ctx, { siteId: state.siteId, directoryKind: site.connector.kind, identity: outcome.identity });
      if (admitted.status !== 'ok') throw new AppError(admitted.code, 403);
      const { account } = admitted;
      await passwords.recordChange(account.id, newPassword, ctx);
      accountId = account.id;
    }
    const next: SignInState = { ...state, accountId, passwordChangeRequired: false, steps: { ...state.steps, [PASSWORD_STEP]: undefined } };
    await continueSignIn(deps, ctx, uid, next);
  }

  /** A post that did not change the password: keep what to say, and show it on the step's page. */
  async function again(deps: FlowDeps, ctx: Context, uid: string, state: SignInState, flash: Flash) {
    await saveSignInState(deps.provider, ctx, { ...state, steps: { ...state.steps, [PASSWORD_STEP]: flash } });
    ctx.status = 303;
    ctx.redirect(`/interaction/${uid}/${PASSWORD_STEP}`);
  }

  async function show(deps: FlowDeps, ctx: Context, uid: string, state: SignInState, flash: Flash = {}) {
    const rules = passwords.rulesFor(state.siteId);
    const unmet = new Set(flash.unmet ?? []);
    // The refused post's status, on the page that says why (a reload shows the form again, 200).
    if (flash.status) ctx.status = flash.status;
    await renderPasswordPage(deps.render, ctx, {
      action: `/interaction/${uid}/${PASSWORD_STEP}`,
      cancelAction: `/interaction/${uid}/abort`,
      csrfToken: deps.csrf.token(ctx),
      rules,
      unmet: rules.filter((rule) => unmet.has(rule.id)),
      error: flash.error,
      reason: flash.reason,
      domain: !deps.sites.get(state.siteId)?.capabilities.managedUsers,
      username: state.username,
    });
  }
}

/** The sign-in state; the sequencer already sent anything but the current step elsewhere. */
async function stepState(deps: FlowDeps, ctx: Context): Promise<{ uid: string; state: SignInState }> {
  const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
  const state = readSignInState(details);
  if (details.prompt.name !== 'login' || !state?.passwordChangeRequired) throw new AppError('interaction_expired', 400);
  return { uid: details.uid, state };
}
