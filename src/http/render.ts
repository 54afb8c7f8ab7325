import { join } from 'node:path';
import ejs from 'ejs';
import type { Context } from 'koa';

export type Renderer = (ctx: Context, view: string, data: Record<string, unknown> & { title: string }) => Promise<void>;

/**
 * Who the page's header names: the site's display name when the page knows
 * the site, else the product. `logoUrl` is the hook for per-site logos (a
 * later issue): without one the layout draws admit's neutral mark.
 */
export interface Brand {
  name: string;
  tagline?: string;
  logoUrl?: string;
}

export const DEFAULT_BRAND: Brand = { name: 'Customer & Partner Center', tagline: 'Secure sign-in' };

/**
 * Server-rendered pages: a view from views/ inside views/layout.ejs. EJS
 * escapes every `<%= %>` value; only trusted fragments use `<%- %>`.
 * A view may pass `brand` (a partial Brand) to name its site in the header.
 */
export function createRenderer({ viewsDir, cache, brand = DEFAULT_BRAND }: { viewsDir: string; cache: boolean; brand?: Brand }): Renderer {
  const options = { cache, root: viewsDir } as const;
  return async (ctx, view, data) => {
    const given = (data.brand ?? {}) as Partial<Brand>;
    const locals = { requestId: String(ctx.state.requestId ?? ''), ...data, brand: { ...brand, ...given } };
    const body = await ejs.renderFile(join(viewsDir, `${view}.ejs`), locals, options);
    ctx.type = 'html';
    ctx.set('cache-control', 'no-store');
    ctx.body = await ejs.renderFile(join(viewsDir, 'layout.ejs'), { ...locals, body }, options);
  };
}
