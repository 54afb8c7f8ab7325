import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { text } from '../../i18n/text.ts';
import type { RecoveryDeps } from './deps.ts';
import { finishUnlock, newPasswordInput, showNewPassword, submitNewPassword } from './finish.ts';
import type { RecoveryKind } from './flow.ts';
import { sendCode, sendCodeInput, showProve, verifyCode, verifyCodeInput } from './prove.ts';
import { showStart, submitStart } from './start.ts';

/**
 * "Reset Password" and "Unlock Account": user name and site, then proof
 * by a second factor the user enrolled (never by email alone), then the
 * new password or the unlock.
 */
export function recoveryRoutes(router: Router, deps: RecoveryDeps, post: readonly Middleware[]): void {
  for (const kind of ['reset', 'unlock'] as const satisfies readonly RecoveryKind[]) {
    router.get(`/portal/${kind}`, (ctx) => showStart(deps, ctx, kind));
    router.post(`/portal/${kind}`, ...post, (ctx) => submitStart(deps, ctx, kind));
    router.get(`/portal/${kind}/verify`, (ctx) => showProve(deps, ctx, kind));
    const sendInput = sendCodeInput(deps, kind);
    router.post(`/portal/${kind}/send`, ...post, sendInput, (ctx) => sendCode(deps, ctx, kind, sendInput.input(ctx).body));
    const codeInput = verifyCodeInput(deps, kind);
    router.post(`/portal/${kind}/verify`, ...post, codeInput, (ctx) => verifyCode(deps, ctx, kind, codeInput.input(ctx).body));
  }
  router.get('/portal/reset/finish', (ctx) => showNewPassword(deps, ctx));
  const passwordInput = newPasswordInput(deps);
  router.post('/portal/reset/finish', ...post, passwordInput, (ctx) => submitNewPassword(deps, ctx, passwordInput.input(ctx).body));
  // Unlocking changes state, so it waits for a POST from the proved flow's page.
  router.get('/portal/unlock/finish', (ctx) =>
    deps.render(ctx, 'portal/unlock-confirm', { title: text('signin:login.unlock'), csrfToken: deps.csrf.token(ctx) }),
  );
  router.post('/portal/unlock/finish', ...post, (ctx) => finishUnlock(deps, ctx));
}
