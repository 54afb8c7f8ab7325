import type { Branding, LogoFile } from '../config/branding.ts';
import type { SiteConfig } from '../config/sites.ts';

/** Where admit serves a site's logo and accent stylesheet (brand-routes.ts). */
export const logoPath = (siteId: string) => `/brand/${siteId}/logo`;
export const stylesheetPath = (siteId: string) => `/brand/${siteId}.css`;

/** A site's support contact as pages show it. */
export interface SupportContact {
  email?: string;
  phone?: string;
  url?: string;
}

/**
 * What the layout and the brand partials read (views/layout.ejs `brand`):
 * only what the site configured is set, so a site without branding keeps
 * admit's look (the renderer's defaults fill the rest).
 */
export interface SiteBrand {
  siteId: string;
  name?: string;
  logoUrl?: string;
  logoAlt?: string;
  stylesheetUrl?: string;
  tabTitle?: string;
  poweredBy?: string;
  support?: SupportContact;
}

/** The brand of a site: its logo URL carries the logo's ETag, so a changed logo is fetched again at once. */
export function siteBrandOf(site: Pick<SiteConfig, 'id' | 'displayName' | 'branding'>): SiteBrand {
  const branding: Branding = site.branding ?? {};
  const logo = branding.logo as LogoFile | undefined;
  const brand: SiteBrand = { siteId: site.id };
  if (branding.productName) brand.name = branding.productName;
  if (logo) {
    brand.logoUrl = `${logoPath(site.id)}?v=${encodeURIComponent(logo.etag.slice(1, 9))}`;
    brand.logoAlt = branding.logoAlt ?? branding.productName ?? site.displayName;
  }
  if (branding.accentColor) brand.stylesheetUrl = stylesheetPath(site.id);
  if (branding.tabTitle ?? branding.productName) brand.tabTitle = branding.tabTitle ?? branding.productName;
  if (branding.poweredBy) brand.poweredBy = branding.poweredBy;
  if (branding.support) brand.support = { ...branding.support };
  return brand;
}

/** What a site's branding looks like, comparable between sites (the logo by its bytes' ETag); undefined without branding. */
function lookOf(branding: Branding | undefined): string | undefined {
  if (!branding) return undefined;
  return JSON.stringify({ ...branding, logo: (branding.logo as LogoFile | undefined)?.etag });
}

/** Every site's brand, by site id; `commonSite(ids)` tells whether some sites look alike (a sign-in page listing them can carry it). */
export function createSiteBrands(sites: readonly Pick<SiteConfig, 'id' | 'displayName' | 'branding'>[]) {
  const byId = new Map(sites.map((site) => [site.id, { brand: siteBrandOf(site), look: lookOf(site.branding) }]));
  return {
    /** The brand of a configured site that has branding, else undefined (admit's look). */
    of(siteId: string | undefined): SiteBrand | undefined {
      const found = siteId === undefined ? undefined : byId.get(siteId);
      return found?.look ? found.brand : undefined;
    },
    /** The one site all of these share the look of (the first), when they all have the same branding. */
    commonSite(siteIds: readonly string[]): string | undefined {
      const first = siteIds[0];
      if (first === undefined) return undefined;
      const wanted = byId.get(first)?.look;
      return wanted !== undefined && siteIds.every((id) => byId.get(id)?.look === wanted) ? first : undefined;
    },
    /** The only site of the deployment, when there is one. */
    onlySite: (): string | undefined => (byId.size === 1 ? [...byId.keys()][0] : undefined),
  };
}

export type SiteBrands = ReturnType<typeof createSiteBrands>;
