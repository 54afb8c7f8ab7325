import type { Context } from 'koa';
import { AppError } from '../../errors/app-error.ts';
import { text } from '../../i18n/text.ts';
import type { FlowDeps } from '../deps.ts';

// What each scope lets the application see, in words (keys of signin:consent.scope); an unknown scope shows its name.
const KNOWN_SCOPES = new Set(['openid', 'profile', 'email', 'phone', 'tenant', 'groups', 'offline_access']);

/** The consent page, shown only to third-party applications. */
export async function showConsent(deps: FlowDeps, ctx: Context, details: Awaited<ReturnType<FlowDeps['provider']['interactionDetails']>>) {
  const client = await deps.provider.Client.find(String(details.params.client_id));
  const account = details.session?.accountId ? await deps.accounts.find(details.session.accountId) : undefined;
  const missing = (details.prompt.details.missingOIDCScope as string[] | undefined) ?? [];
  await deps.render(ctx, 'sign-in/consent', {
    title: text('signin:consent.title'),
    uid: details.uid,
    clientName: client?.clientName ?? client?.clientId ?? text('signin:consent.anApplication'),
    accountName: account?.name ?? account?.username,
    scopes: missing.map((scope) => (KNOWN_SCOPES.has(scope) ? text(`signin:consent.scope.${scope}`) : scope)),
    csrfToken: deps.csrf.token(ctx),
  });
}

/** Records what the user allowed as a grant, then resumes the authorization. */
export async function submitConsent(deps: FlowDeps, ctx: Context): Promise<void> {
  const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
  const accountId = details.session?.accountId;
  if (details.prompt.name !== 'consent' || !accountId) throw new AppError('interaction_expired', 400);
  const { Grant } = deps.provider;
  const grant = (details.grantId ? await Grant.find(details.grantId) : undefined) ?? new Grant({ accountId, clientId: String(details.params.client_id) });
  const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();
  deps.audit.record(ctx, { action: 'consent', outcome: 'granted', accountId, detail: { client: String(details.params.client_id) } });
  await deps.provider.interactionFinished(
    ctx.req,
    ctx.res,
    {
      consent: details.grantId ? {} : { grantId },
    },
    { mergeWithLastSubmission: true },
  );
}
