import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.ts';
import { guard } from '../../http/route-input.ts';
import type { Site } from '../../services/sites.ts';
import type { FlowDeps } from '../deps.ts';
import { showLogin } from '../login/show-login.ts';
import { browserBinding } from './browser-binding.ts';
import { domainOf, federatedSiteFor } from './home-realm.ts';
import { renderTryAgain } from './pages.ts';

/** The sign-in form as posted by "Sign in with Microsoft" (the password, if typed, is ignored). */
const federatedForm = z.object({
  site: z.string().max(64).optional(),
  username: z.string().trim().max(256).optional(),
});

/** Where Microsoft sends the browser back for this site (must be registered in the app registration). */
export function redirectUriOf(deps: FlowDeps, site: Site): string {
  return site.federated?.redirectUri ?? `${deps.config.server.issuer}/federated/${site.federated?.kind}/${site.config.id}/callback`;
}

/** POST /interaction/:uid/federated: "Sign in with Microsoft", by the chosen site or the typed email's domain. */
export async function submitFederated(deps: FlowDeps, ctx: Context): Promise<void> {
  const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
  if (details.prompt.name !== 'login') throw new AppError('interaction_expired', 400);
  // The form's guard answers after the interaction check, so an expired sign-in says so first (a bad form: 400 invalid_form).
  const input = guard({ body: federatedForm });
  return input(ctx, () => chooseSite(deps, ctx, details, input.input(ctx).body)) as Promise<void>;
}

async function chooseSite(
  deps: FlowDeps,
  ctx: Context,
  details: Awaited<ReturnType<FlowDeps['provider']['interactionDetails']>>,
  form: z.infer<typeof federatedForm>,
): Promise<void> {
  const { site: siteId, username } = form;
  const site = federatedSiteFor(deps.sites, { site: siteId, username });
  if (!site) {
    const client = await deps.provider.Client.find(String(details.params.client_id));
    ctx.status = 400;
    return showLogin(deps, ctx, {
      uid: details.uid,
      clientName: client?.clientName ?? client?.clientId,
      username,
      site: siteId,
      error: 'federated_site_unknown',
    });
  }
  return startFederatedSignIn(deps, ctx, { uid: details.uid, site, loginHint: domainOf(username) ? username : undefined });
}

/**
 * Sends the browser to the site's identity provider, the round trip bound to
 * this interaction and this browser. Each start is counted against the
 * client IP's sign-in limit: every one writes a round trip to the store.
 */
export async function startFederatedSignIn(deps: FlowDeps, ctx: Context, input: { uid: string; site: Site; loginHint?: string }): Promise<void> {
  const { site, uid } = input;
  const federated = site.federated!;
  if (!(await deps.lockout.ipAttempt({ siteId: site.config.id, ip: ctx.ip, step: 'start' }))) {
    void deps.audit.record(ctx, { action: 'sign_in', outcome: 'throttled', site: site.config.id, detail: { method: 'federated' } });
    deps.metrics.signIns.inc({ site: site.config.id, outcome: 'throttled' });
    throw new AppError('too_many_attempts', 429);
  }
  const begin = await federated.beginSignIn({
    redirectUri: redirectUriOf(deps, site),
    browserBinding: browserBinding.ensure(ctx),
    context: { uid },
    loginHint: input.loginHint,
  });
  if (begin.status === 'unavailable') {
    void deps.audit.record(ctx, {
      action: 'sign_in',
      outcome: 'federated_unavailable',
      site: site.config.id,
      detail: { reason: begin.reason.slice(0, 300), stage: 'start' },
    });
    deps.metrics.signIns.inc({ site: site.config.id, outcome: 'unavailable' });
    return renderTryAgain(deps, ctx, { uid, siteId: site.config.id, loginHint: input.loginHint });
  }
  ctx.status = 303;
  ctx.redirect(begin.url);
}
