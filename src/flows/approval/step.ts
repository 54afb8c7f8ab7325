import type Router from '@koa/router';
import { AppError } from '../../errors/app-error.ts';
import { messageText } from '../../errors/messages.ts';
import { text } from '../../i18n/text.ts';
import type { AccountService } from '../../services/accounts.ts';
import { refusalOf } from '../../services/approvals/admission.ts';
import { continueSignIn } from '../continue-sign-in.ts';
import type { FlowDeps, SignInStep } from '../deps.ts';
import { readSignInState } from '../sign-in-state.ts';

export const APPROVAL_STEP = 'approval';

// The gate page's heading by code (registration:gate.<code>).
const HEADINGS = new Set(['approval_pending', 'approval_denied', 'account_disabled']);

/**
 * The approval gate as a step and an oidc-provider check: an account that is
 * pending approval, denied or disabled gets no further in a sign-in, and an
 * existing SSO session of such an account satisfies no client (with
 * findAccount refusing non-active accounts, no refresh or userinfo either).
 * Runs first, before MFA enrollment.
 */
export function approvalStep({ accounts }: { accounts: AccountService }): SignInStep {
  return {
    name: APPROVAL_STEP,
    async isNeeded(_ctx, state) {
      return refusalOf(await accounts.find(state.accountId)) !== undefined;
    },
    async sessionSatisfies(accountId) {
      return refusalOf(await accounts.find(accountId)) === undefined;
    },
    routes(router: Router, deps: FlowDeps) {
      router.get(`/${APPROVAL_STEP}`, async (ctx) => {
        const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
        const state = readSignInState(details);
        if (details.prompt.name !== 'login' || !state?.accountId) throw new AppError('interaction_expired', 400);
        const code = refusalOf(await accounts.find(state.accountId));
        if (!code) return continueSignIn(deps, ctx, details.uid, state);
        ctx.status = 403;
        await deps.render(ctx, 'registration/gate', {
          title: text(`registration:gate.${HEADINGS.has(code) ? code : 'approval_denied'}`),
          heading: text(`registration:gate.${HEADINGS.has(code) ? code : 'approval_denied'}`),
          message: messageText(code),
          abortAction: `/interaction/${details.uid}/abort`,
          csrfToken: deps.csrf.token(ctx),
        });
      });
    },
  };
}
