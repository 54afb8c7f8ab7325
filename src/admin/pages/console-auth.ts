import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { messageText } from '../../errors/messages.ts';
import { text } from '../../i18n/text.ts';
import { ACR_MFA } from '../../oidc/provider.ts';
import { safeAdminPath } from '../admin-page.ts';
import { adminUserOf } from '../admin-session.ts';
import type { AdminDeps } from '../deps.ts';
import { CONSOLE_CLIENT_ID } from '../internal-clients.ts';

/**
 * Signing in to the console: admit's own authorization endpoint (so the
 * sign-in's gates apply, and MFA is required once it exists), then a console
 * session for an active account holding an admin role.
 */
export function consoleAuthRoutes(router: Router, deps: AdminDeps, form: Middleware[]): void {
  const issuer = deps.config.server.issuer;
  const acrValues = deps.requireMfa ? ACR_MFA : undefined;

  router.get('/sign-in', (ctx) =>
    deps.signIn.start(ctx, {
      returnTo: safeAdminPath(typeof ctx.query.return_to === 'string' ? ctx.query.return_to : undefined),
      acrValues,
      // "Sign in with another account" after a refusal must not reuse the SSO session.
      prompt: ctx.query.switch === '1' ? 'login' : undefined,
    }),
  );

  router.get('/callback', async (ctx) => {
    const result = await deps.signIn.finish(ctx);
    if ('error' in result) {
      return deps.render(ctx, 'admin/refused', {
        title: text('admin:nav.title'),
        heading: text('admin:refused.cancelled'),
        message: text('admin:refused.cancelledMessage'),
      });
    }
    const account = await deps.accounts.find(result.accountId);
    const admin =
      account &&
      adminUserOf(
        account,
        deps.sites.list().map((site) => site.id),
        result.acr,
      );
    const refuse = async (code: 'admin_forbidden' | 'admin_mfa_required') => {
      void deps.audit.record(ctx, { action: 'admin.sign_in', outcome: code, site: account?.siteId, username: account?.username, accountId: account?.id });
      ctx.status = 403;
      await deps.render(ctx, 'admin/refused', { title: text('admin:nav.title'), heading: text('admin:refused.noAccess'), message: messageText(code) });
    };
    if (!admin) return refuse('admin_forbidden');
    if (deps.requireMfa && result.acr !== ACR_MFA) return refuse('admin_mfa_required');
    await deps.adminSessions.create(ctx, result);
    void deps.audit.record(ctx, {
      action: 'admin.sign_in',
      outcome: 'ok',
      site: account.siteId,
      username: account.username,
      accountId: account.id,
      actor: admin.label,
      detail: { acr: result.acr ?? '' },
    });
    ctx.status = 303;
    ctx.redirect(safeAdminPath(result.returnTo));
  });

  router.post('/sign-out', ...form, async (ctx) => {
    const admin = await deps.adminSessions.current(ctx);
    await deps.adminSessions.end(ctx);
    if (admin)
      void deps.audit.record(ctx, {
        action: 'admin.sign_out',
        outcome: 'ok',
        site: admin.account.siteId,
        username: admin.account.username,
        accountId: admin.account.id,
        actor: admin.label,
      });
    // Ends the SSO session too (oidc-provider asks the person to confirm).
    const url = new URL(`${issuer}/session/end`);
    url.search = new URLSearchParams({ client_id: CONSOLE_CLIENT_ID, post_logout_redirect_uri: `${issuer}/admin/signed-out` }).toString();
    ctx.status = 303;
    ctx.redirect(url.href);
  });

  router.get('/signed-out', (ctx) =>
    deps.render(ctx, 'admin/refused', {
      title: text('admin:refused.signedOut'),
      heading: text('admin:refused.signedOut'),
      message: text('admin:refused.signedOutMessage'),
      signedOut: true,
    }),
  );
}
