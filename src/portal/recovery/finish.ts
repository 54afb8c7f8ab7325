import type { Context } from 'koa';
import { AppError } from '../../errors/app-error.ts';
import { type PasswordResetForm, passwordResetForm } from '../../http/pages/password-forms.ts';
import { type PasswordProblem, problemOf, renderPasswordPage } from '../../http/pages/password-page.ts';
import { guard } from '../../http/route-input.ts';
import { localeOf } from '../../i18n/middleware.ts';
import type { RecoveryDeps } from './deps.ts';
import type { RecoveryFlow, RecoveryKind } from './flow.ts';
import { openFlow } from './prove.ts';
import { recoveryTexts } from './texts.ts';

/** Back to the application's sign-in the person left for this flow (the sign-in page's link carried it), if any. */
const signInAgain = (flow: RecoveryFlow) => (flow.interaction ? `/interaction/${flow.interaction}` : undefined);

/** The flow, only once a second factor proved it. */
async function provedFlow(deps: RecoveryDeps, ctx: Context, kind: RecoveryKind): Promise<RecoveryFlow & { accountId: string }> {
  const flow = await openFlow(deps, ctx, kind);
  if (!flow.proved || !flow.accountId) throw new AppError('recovery_expired', 400);
  return flow as RecoveryFlow & { accountId: string };
}

export async function showNewPassword(deps: RecoveryDeps, ctx: Context, problem: PasswordProblem = {}): Promise<void> {
  const flow = await provedFlow(deps, ctx, 'reset');
  if (problem.status) ctx.status = problem.status;
  await renderPasswordPage(deps.render, ctx, {
    action: '/portal/reset/finish',
    csrfToken: deps.csrf.token(ctx),
    rules: deps.passwords.rulesFor(flow.siteId),
    domain: !deps.sites.get(flow.siteId)?.capabilities.managedUsers,
    withOldPassword: false,
    username: flow.username,
    ...problem,
  });
}

/** The posted new password, read before submitNewPassword: a refused one shows the page again with why (400). */
export const newPasswordInput = (deps: RecoveryDeps) =>
  guard({ body: passwordResetForm, invalid: (ctx, refusal) => showNewPassword(deps, ctx, { status: 400, error: refusal.code }) });

/**
 * The new password after a proved second factor: the site's policy, the
 * directory's administrative write (which ends every other session and
 * trusted browser: the password service's rule), then the lockout counter
 * cleared.
 */
export async function submitNewPassword(deps: RecoveryDeps, ctx: Context, form: PasswordResetForm): Promise<void> {
  const flow = await provedFlow(deps, ctx, 'reset');
  // Taken before anything is written: of parallel finishes only the one holding the flow writes a password.
  const taken = await deps.flows.take(flow);
  if (!taken?.proved) throw new AppError('recovery_expired', 400);
  const result = await deps.passwords
    .reset(ctx, { siteId: flow.siteId, username: flow.username, accountId: flow.accountId, ...form })
    .catch(async (error: unknown) => {
      await deps.flows.putBack(taken);
      throw error;
    });
  const problem = problemOf(result);
  if (problem) {
    // Nothing was written: the proved flow stays open for another password.
    await deps.flows.putBack(taken);
    return showNewPassword(deps, ctx, problem);
  }
  await deps.flows.finish(ctx, flow);
  await Promise.all([deps.lockout.clearSignIn(flow.siteId, flow.username)]);
  await deps.render(ctx, 'portal/done', {
    title: recoveryTexts.reset.heading,
    heading: recoveryTexts.reset.heading,
    message: recoveryTexts.reset.done,
    signInAgain: signInAgain(flow),
  });
}

/** Unlock after a proved second factor: admit's lockout counter and the directory's own lock. */
export async function finishUnlock(deps: RecoveryDeps, ctx: Context): Promise<void> {
  const flow = await provedFlow(deps, ctx, 'unlock');
  const site = deps.sites.get(flow.siteId);
  // As for a reset: the flow is taken first, so parallel finishes unlock once.
  const taken = await deps.flows.take(flow);
  if (!taken?.proved) throw new AppError('recovery_expired', 400);
  const written = site?.connector.unlock ? await site.connector.unlock({ username: flow.username }) : { status: 'ok' as const };
  if (written.status === 'unavailable') {
    await deps.flows.putBack(taken);
    throw new AppError('directory_unavailable', 503);
  }
  await deps.flows.finish(ctx, flow);
  await deps.lockout.clearSignIn(flow.siteId, flow.username);
  deps.audit.record(ctx, { action: 'unlock', outcome: written.status, site: flow.siteId, username: flow.username, accountId: flow.accountId });
  const account = await deps.accounts.find(flow.accountId);
  if (account?.email) {
    await deps.mailer.notify({
      to: account.email,
      template: 'account-unlocked',
      locale: localeOf(ctx),
      data: {
        name: account.name ?? account.username,
        username: account.username,
        site: account.siteId,
        when: new Date().toISOString(),
        by: '',
      },
    });
  }
  await deps.render(ctx, 'portal/done', {
    title: recoveryTexts.unlock.heading,
    heading: recoveryTexts.unlock.heading,
    message: recoveryTexts.unlock.done,
    signInAgain: signInAgain(flow),
  });
}
