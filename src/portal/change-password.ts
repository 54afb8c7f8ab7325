import type { Context } from 'koa';
import { type PasswordChangeForm, passwordChangeForm } from '../http/pages/password-forms.ts';
import { type PasswordProblem, problemOf, renderPasswordPage } from '../http/pages/password-page.ts';
import { guard } from '../http/route-input.ts';
import { text } from '../i18n/text.ts';
import type { PortalDeps } from './deps.ts';
import type { PortalUser } from './portal-auth.ts';

/** "Change Password: Change your password using current password", for a signed-in user. */
export async function showChangePassword(deps: PortalDeps, ctx: Context, problem: PasswordProblem = {}): Promise<void> {
  const user = ctx.state.user as PortalUser;
  if (problem.status) ctx.status = problem.status;
  await renderPasswordPage(deps.render, ctx, {
    action: '/portal/password',
    csrfToken: deps.csrf.token(ctx),
    rules: deps.passwords.rulesFor(user.account.siteId),
    domain: !deps.sites.get(user.account.siteId)?.capabilities.managedUsers,
    username: user.account.username,
    ...problem,
  });
}

/** The posted form, read before submitChangePassword: a refused one shows the page again with why (400). */
export const changePasswordInput = (deps: PortalDeps) =>
  guard({ body: passwordChangeForm, invalid: (ctx, refusal) => showChangePassword(deps, ctx, { status: 400, error: refusal.code }) });

export async function submitChangePassword(deps: PortalDeps, ctx: Context, form: PasswordChangeForm): Promise<void> {
  const user = ctx.state.user as PortalUser;
  // Guessing the old password here is throttled like a sign-in.
  if (!(await deps.lockout.passwordChange.attempt(user.account.id))) return showChangePassword(deps, ctx, { status: 429, error: 'too_many_attempts' });
  const result = await deps.passwords.change(ctx, { siteId: user.account.siteId, username: user.account.username, accountId: user.account.id, ...form });
  const problem = problemOf(result);
  if (problem) return showChangePassword(deps, ctx, problem);
  await deps.lockout.passwordChange.succeeded(user.account.id);
  // What the change ended is the password service's one rule (services/passwords.ts): everything but this session.
  await deps.render(ctx, 'portal/done', {
    title: text('portal:passwordChanged.title'),
    heading: text('portal:passwordChanged.title'),
    message: text('portal:passwordChanged.message'),
  });
}
