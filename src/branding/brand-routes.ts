import { createHash } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { LogoFile } from '../config/branding.ts';
import type { SiteConfig } from '../config/sites.ts';
import { accentStylesheet } from './accent-stylesheet.ts';

/** An SVG opened on its own runs nothing and loads nothing: a document CSP of its own, sandboxed. */
const SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";

/** A conditional GET: 304 when the browser has these bytes, else their validators. */
function fresh(ctx: Context, etag: string, maxAgeSeconds: number): boolean {
  ctx.set('cache-control', `public, max-age=${maxAgeSeconds}`);
  ctx.set('etag', etag);
  if (ctx.get('if-none-match') === etag) {
    ctx.status = 304;
    return true;
  }
  return false;
}

/**
 * Each branded site's logo (`/brand/<site>/logo`: the bytes read at start,
 * with the content type their extension and content agreed on, never
 * sniffed) and accent stylesheet (`/brand/<site>.css`: the colour as CSS
 * custom properties, so pages need no inline style and the CSP stays as it is).
 */
export function brandRoutes({ sites }: { sites: readonly SiteConfig[] }): Router {
  const router = new Router();
  const logos = new Map<string, LogoFile>();
  const sheets = new Map<string, { body: string; etag: string }>();
  for (const site of sites) {
    const logo = site.branding?.logo as LogoFile | undefined;
    if (logo) logos.set(site.id, logo);
    const accent = site.branding?.accentColor;
    if (accent) {
      const body = accentStylesheet(accent);
      sheets.set(`${site.id}.css`, { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
    }
  }

  router.get('/brand/:site/logo', (ctx) => {
    const logo = logos.get(ctx.params.site ?? '');
    if (!logo) return;
    if (fresh(ctx, logo.etag, 86_400)) return;
    ctx.type = logo.contentType;
    // Never shown as anything but the image it is, nor as a page that could run in admit's origin.
    ctx.set('x-content-type-options', 'nosniff');
    ctx.set('cross-origin-resource-policy', 'same-origin');
    if (logo.contentType === 'image/svg+xml') {
      ctx.set('content-security-policy', SVG_POLICY);
      ctx.set('content-disposition', 'inline; filename="logo.svg"');
    }
    ctx.body = logo.bytes;
  });

  router.get('/brand/:sheet', (ctx) => {
    const sheet = sheets.get(ctx.params.sheet ?? '');
    if (!sheet) return;
    if (fresh(ctx, sheet.etag, 3600)) return;
    ctx.type = 'text/css; charset=utf-8';
    ctx.body = sheet.body;
  });
  return router;
}
