import { fileURLToPath } from 'node:url';
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import { brandRoutes } from '../branding/brand-routes.ts';
import { brandedRenderer } from '../branding/branded-renderer.ts';
import { createSiteBrands } from '../branding/site-brands.ts';
import type { Config } from '../config/schema.ts';
import { readSignInState } from '../flows/sign-in-state.ts';
import type { Renderer } from '../http/render.ts';
import { createLocalizer, DEFAULT_LOCALE, type Localizer } from '../i18n/index.ts';
import { regionRoutes } from '../region/region-routes.ts';
import { withRegionSelector } from '../region/with-region-selector.ts';
import type { AuditLog } from '../services/audit/audit-log.ts';
import type { InvitationService } from '../services/invitations/invitations.ts';
import type { Mailer } from '../services/mail/mailer.ts';
import type { SiteDirectory } from '../services/sites.ts';
import type { Store } from '../store/port.ts';
import { helpRoutes } from './help-routes.ts';
import { createResendRequests } from './resend-requests.ts';

/**
 * Issue 18's pages, as the composition root builds them: every page's
 * renderer gets the site's brand and the region selector's choices, and
 * the help page, the region selector's form and the brand files get routes.
 */
export function pageRenderer(render: Renderer, config: Config, provider: () => Provider): Renderer {
  const brands = createSiteBrands(config.sites);
  // On a sign-in step the interaction names the site once the first factor chose it.
  const interactionSite = async (ctx: Context) => readSignInState(await provider().interactionDetails(ctx.req, ctx.res))?.siteId;
  return withRegionSelector(brandedRenderer(render, brands, interactionSite));
}

export function helpAreas(deps: {
  config: Config;
  store: Store;
  render: Renderer;
  csrf: { verify: Middleware; token(ctx: Context): string };
  sites: SiteDirectory;
  mailer: Mailer;
  audit: AuditLog;
  /** The process's i18next instance (the composition root's); one of its own from locales/ when left out. */
  localizer?: Localizer;
  approval: { requests: { approversOf(siteId: string): Promise<string[]> }; invitations: Pick<InvitationService, 'refusalFor'> };
}): Router[] {
  const resend = createResendRequests({
    store: deps.store,
    mailer: deps.mailer,
    audit: deps.audit,
    issuer: deps.config.server.issuer,
    approversOf: (siteId) => deps.approval.requests.approversOf(siteId),
    refusalFor: (siteId, email) => deps.approval.invitations.refusalFor(siteId, email),
    siteName: (siteId) => deps.sites.get(siteId)?.config.displayName ?? siteId,
    t: (deps.localizer ?? createLocalizer(fileURLToPath(new URL('../../locales', import.meta.url)))).translator(DEFAULT_LOCALE),
  });
  return [
    helpRoutes({ render: deps.render, csrf: deps.csrf, sites: deps.sites, resend }),
    regionRoutes({ render: deps.render, csrf: deps.csrf }),
    brandRoutes({ sites: deps.config.sites }),
  ];
}
