import type { Context } from 'koa';
import { AppError } from '../../errors/app-error.ts';
import type { MessageCode } from '../../errors/messages.ts';
import { text } from '../../i18n/text.ts';
import type { FederatedIdentity } from '../../kit/connector.ts';
import { continueSignIn } from '../continue-sign-in.ts';
import type { FlowDeps } from '../deps.ts';
import { showLogin } from '../login/show-login.ts';
import { readSignInState } from '../sign-in-state.ts';
import type { PendingFederated } from './callback.ts';
import { renderNotRegistered, renderRefused, renderWaiting } from './pages.ts';
import { federatedAmr } from './upstream-mfa.ts';

// The refusal page's heading for these codes (federated:refused.<code>); others say "Access denied".
const REFUSAL_HEADINGS = new Set<MessageCode>([
  'approval_denied',
  'account_disabled',
  'invitation_invalid',
  'invitation_expired',
  'invitation_used',
  'invitation_email_mismatch',
]);

/**
 * GET /interaction/:uid/federated/finish: the answer the callback checked,
 * taken out of the interaction (once) and turned into the next step. The
 * Microsoft identity still passes admit's gates: the approval gate here
 * (invitation, sign-up mode, pending / denied / disabled), then every
 * sign-in step (MFA unless the site trusts Entra's) before a token is issued.
 */
export async function finishFederated(deps: FlowDeps, ctx: Context): Promise<void> {
  const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
  if (details.prompt.name !== 'login') throw new AppError('interaction_expired', 400);
  const pending = (details.result as { federated?: PendingFederated } | undefined)?.federated;
  if (!pending) {
    // Reloaded after it was used: resume the sign-in where it is, if it went on.
    const state = readSignInState(details);
    if (state) return continueSignIn(deps, ctx, details.uid, state);
    throw new AppError('interaction_expired', 400);
  }
  // Used once: cleared before anything acts on it.
  await deps.provider.interactionResult(ctx.req, ctx.res, {}, { mergeWithLastSubmission: true });
  const { outcome, siteId } = pending;
  const uid = details.uid;

  switch (outcome.status) {
    case 'cancelled': {
      const client = await deps.provider.Client.find(String(details.params.client_id));
      return showLogin(deps, ctx, { uid, clientName: client?.clientName ?? client?.clientId, site: siteId, error: 'federated_cancelled' });
    }
    case 'upstream_error':
      return renderRefused(deps, ctx, {
        uid,
        heading: text('federated:refused.upstream'),
        code: 'federated_upstream_error',
        detail: outcome.description || outcome.code,
        status: 400,
      });
    case 'ok':
      return admit(deps, ctx, { uid, siteId, kind: pending.kind, identity: outcome.identity });
  }
}

async function admit(deps: FlowDeps, ctx: Context, input: { uid: string; siteId: string; kind: string; identity: FederatedIdentity }): Promise<void> {
  const { uid, siteId, identity } = input;
  const admitted = await deps.admission.resolve(ctx, { siteId, directoryKind: input.kind, identity });
  if (admitted.status === 'refused') {
    deps.metrics.signIns.inc({ site: siteId, outcome: admitted.code });
    switch (admitted.code) {
      case 'not_registered':
        // Groups stay behind (a cookie is no place for 200 of them); the next sign-in reads them again.
        return renderNotRegistered(deps, ctx, {
          uid,
          siteId,
          kind: input.kind,
          identity: {
            externalId: identity.externalId,
            username: identity.username,
            name: identity.name,
            email: identity.email,
            emailVerified: identity.emailVerified,
            groups: [],
          },
        });
      case 'approval_pending': {
        const account = await deps.accounts.findLinked(siteId, input.kind, identity.externalId);
        return renderWaiting(deps, ctx, { uid, siteId, submittedAt: account?.createdAt });
      }
      default:
        return renderRefused(deps, ctx, {
          uid,
          heading: text(`federated:refused.${REFUSAL_HEADINGS.has(admitted.code) ? admitted.code : 'approval_denied'}`),
          code: admitted.code,
        });
    }
  }
  void deps.audit.record(ctx, {
    action: 'sign_in',
    outcome: 'ok',
    site: siteId,
    username: identity.username,
    accountId: admitted.account.id,
    detail: { method: 'federated' },
  });
  return continueSignIn(deps, ctx, uid, { siteId, username: identity.username, accountId: admitted.account.id, amr: federatedAmr(identity) });
}
