import type { Context } from 'koa';
import { type MessageCode, messageText } from '../../errors/messages.ts';
import { formatDate, localeOf, type Text, text } from '../../i18n/index.ts';
import type { DirectoryIdentity } from '../../kit/connector.ts';
import type { FlowDeps } from '../deps.ts';

/**
 * The outcome pages of a sign-in with Microsoft. Each says what happened in
 * the seed's words and what to do next; none shows a protocol detail that
 * would help an attacker more than the user.
 */

/** Microsoft slow or down: nothing was written; one button starts the round trip again. */
export async function renderTryAgain(deps: FlowDeps, ctx: Context, view: { uid?: string; siteId: string; loginHint?: string }): Promise<void> {
  ctx.status = 503;
  ctx.set('retry-after', '5');
  await deps.render(ctx, 'federated/try-again', {
    title: text('federated:tryAgain.title'),
    message: messageText('federated_unavailable'),
    retryAction: view.uid ? `/interaction/${view.uid}/federated` : undefined,
    backAction: view.uid ? `/interaction/${view.uid}` : undefined,
    siteId: view.siteId,
    username: view.loginHint ?? '',
    csrfToken: deps.csrf.token(ctx),
  });
}

/**
 * No account for this Microsoft identity in the site, and no invitation: the
 * seed's message and the ways forward. Where the site takes requests, the
 * identity just proved goes with the person to "User Registration".
 */
export async function renderNotRegistered(
  deps: FlowDeps,
  ctx: Context,
  view: { uid: string; siteId: string; kind: string; identity: DirectoryIdentity },
): Promise<void> {
  const site = deps.sites.get(view.siteId);
  const siteName = site?.config.displayName ?? view.siteId;
  const takesRequests = site?.config.signUp?.mode === 'approval';
  if (takesRequests) deps.signUpPass.set(ctx, { siteId: view.siteId, kind: view.kind, identity: view.identity });
  ctx.status = 403;
  await deps.render(ctx, 'federated/not-registered', {
    title: text('federated:notRegistered.title'),
    message: messageText('federated_not_registered', { site: siteName }),
    siteName,
    signedInAs: view.identity.email ?? view.identity.username,
    // "User Registration" takes requests only where the site reviews them; otherwise only an invitation lets one in.
    signUpUrl: takesRequests ? `/register?site=${encodeURIComponent(view.siteId)}` : undefined,
    retryAction: `/interaction/${view.uid}/federated`,
    siteId: view.siteId,
    abortAction: `/interaction/${view.uid}/abort`,
    csrfToken: deps.csrf.token(ctx),
  });
}

/** A sign-up request still waiting: when it was sent, and the seed's promise. */
export async function renderWaiting(deps: FlowDeps, ctx: Context, view: { uid: string; siteId: string; submittedAt?: string }): Promise<void> {
  const siteName = deps.sites.get(view.siteId)?.config.displayName ?? view.siteId;
  ctx.status = 403;
  await deps.render(ctx, 'federated/waiting', {
    title: text('federated:waiting.title'),
    siteName,
    submitted: view.submittedAt ? formatDate(localeOf(ctx), view.submittedAt) : undefined,
    abortAction: `/interaction/${view.uid}/abort`,
    csrfToken: deps.csrf.token(ctx),
  });
}

/** A clear refusal (denied, disabled, an invitation that cannot be used, an answer that failed its checks). */
export async function renderRefused(
  deps: FlowDeps,
  ctx: Context,
  view: { uid?: string; heading: string | Text; code: MessageCode; detail?: string; status?: number },
): Promise<void> {
  ctx.status = view.status ?? 403;
  await deps.render(ctx, 'federated/refused', {
    title: view.heading,
    heading: view.heading,
    message: messageText(view.code),
    detail: view.detail,
    abortAction: view.uid ? `/interaction/${view.uid}/abort` : undefined,
    csrfToken: deps.csrf.token(ctx),
  });
}
