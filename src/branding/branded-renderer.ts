import type { Context } from 'koa';
import type { Renderer } from '../http/render.ts';
import type { SiteBrands } from './site-brands.ts';

/**
 * Which site a page is about, for its brand, most explicit first: the
 * page's own `brandSite` or `siteId`, then the site of the sign-in the page
 * belongs to (`/interaction/<uid>/…`, once the first factor chose it), then
 * the sites a sign-in page lists when they all look alike, then the only
 * site of the deployment. None of these: admit's own look.
 */
async function siteOfPage(
  ctx: Context,
  data: Record<string, unknown>,
  brands: SiteBrands,
  interactionSite: (ctx: Context) => Promise<string | undefined>,
): Promise<string | undefined> {
  for (const name of ['brandSite', 'siteId'] as const) {
    const value = data[name];
    if (typeof value === 'string' && brands.of(value)) return value;
  }
  if (ctx.path.startsWith('/interaction/')) {
    const siteId = await interactionSite(ctx).catch(() => undefined);
    if (siteId) return siteId;
  }
  const listed = data.sites;
  if (Array.isArray(listed)) {
    const ids = listed.map((site) => (site as { id?: unknown }).id).filter((id): id is string => typeof id === 'string');
    const common = brands.commonSite(ids);
    if (common) return common;
  }
  return brands.onlySite();
}

/**
 * Gives every page its site's brand (views/layout.ejs and the brand
 * partials read `brand`): product name, logo, accent stylesheet, tab title,
 * "Powered by" line and support contact. What the site did not configure
 * stays as the page and the renderer had it.
 */
export function brandedRenderer(render: Renderer, brands: SiteBrands, interactionSite: (ctx: Context) => Promise<string | undefined>): Renderer {
  return async (ctx, view, data) => {
    const brand = brands.of(await siteOfPage(ctx, data, brands, interactionSite));
    if (!brand) return render(ctx, view, data);
    const given = (data.brand ?? {}) as Record<string, unknown>;
    return render(ctx, view, { ...data, brand: { ...given, ...brand } });
  };
}
