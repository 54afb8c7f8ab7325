import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { AppError } from '../../errors/app-error.ts';
import { type Text, text } from '../../i18n/text.ts';
import { createScimTokens } from '../../services/scim-tokens.ts';
import { auditAdmin, renderAdmin } from '../admin-page.ts';
import { type AdminUser, canAdminister } from '../admin-session.ts';
import type { AdminDeps } from '../deps.ts';

/** What the page says after a revoke (a fixed text per code, never text from the request; admin.json's provisioning.done.<code>). */
const doneTexts: Record<string, Text> = {
  revoked: text('admin:provisioning.done.revoked'),
  none: text('admin:provisioning.done.none'),
};

/**
 * Provisioning (SCIM 2.0): per site the admin administers, the tenant URL
 * and secret token a partner's directory (Microsoft Entra ID) provisions
 * with. A token is shown once, right after it is made; making another
 * revokes the old one at once. Sites whose directory keeps its users itself
 * (LDAP) take no provisioned users. Another site is "not found".
 */
export function provisioningRoutes(router: Router, deps: AdminDeps, admin: Middleware, form: Middleware[]): void {
  const tokens = createScimTokens({ store: deps.store });
  const issuer = deps.config.server.issuer.replace(/\/+$/, '');

  async function show(ctx: Context, extra: Record<string, unknown> = {}) {
    const user = ctx.state.admin as AdminUser;
    const rows = await Promise.all(
      user.sites.map(async (id) => {
        const site = deps.sites.get(id);
        const takesUsers = site !== undefined && (site.capabilities.federated || site.capabilities.managedUsers);
        return {
          id,
          name: site?.config.displayName ?? id,
          takesUsers,
          federated: site?.capabilities.federated ?? false,
          tenantUrl: `${issuer}/scim/v2/${encodeURIComponent(id)}`,
          token: takesUsers ? await tokens.info(id) : undefined,
        };
      }),
    );
    const done = typeof ctx.query.done === 'string' && Object.hasOwn(doneTexts, ctx.query.done) ? doneTexts[ctx.query.done] : undefined;
    await renderAdmin(deps, ctx, 'provisioning', { title: text('admin:nav.provisioning'), tab: 'provisioning', rows, secret: undefined, done, ...extra });
  }

  /** The site of the URL, if this admin administers it and it takes provisioned users; else "not found". */
  function siteFor(ctx: Context): string {
    const id = String(ctx.params.site);
    const site = deps.sites.get(id);
    if (!site || !canAdminister(ctx.state.admin as AdminUser, id) || !(site.capabilities.federated || site.capabilities.managedUsers)) {
      throw new AppError('not_found', 404);
    }
    return id;
  }

  router.get('/provisioning', admin, (ctx) => show(ctx));

  router.post('/provisioning/:site/token', admin, ...form, async (ctx) => {
    const siteId = siteFor(ctx);
    const { token, replaced } = await tokens.issue(siteId, (ctx.state.admin as AdminUser).label);
    auditAdmin(deps, ctx, { action: replaced ? 'admin.scim.token_rotate' : 'admin.scim.token_create', outcome: 'ok', site: siteId });
    await show(ctx, { secret: { siteId, value: token, replaced } });
  });

  router.post('/provisioning/:site/revoke', admin, ...form, async (ctx) => {
    const siteId = siteFor(ctx);
    const revoked = await tokens.revoke(siteId);
    auditAdmin(deps, ctx, { action: 'admin.scim.token_revoke', outcome: revoked ? 'ok' : 'none', site: siteId });
    ctx.status = 303;
    ctx.redirect(`/admin/provisioning?done=${revoked ? 'revoked' : 'none'}`);
  });
}
