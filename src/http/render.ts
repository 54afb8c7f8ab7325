import { join } from 'node:path';
import ejs from 'ejs';
import type { Context } from 'koa';
import { createLocalizer, directionOf, type Localizer, localeOf, localize, type Text } from '../i18n/index.ts';

export type Renderer = (ctx: Context, view: string, data: Record<string, unknown> & { title: string | Text }) => Promise<void>;

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

/** The product's name is a name (not translated); without a tagline of its own the header says the layout's, in the page's language. */
export const DEFAULT_BRAND: Brand = { name: 'Customer & Partner Center' };

/**
 * Server-rendered pages: a view from views/ inside views/layout.ejs. EJS
 * escapes every `<%= %>` value; only trusted fragments use `<%- %>`.
 * A view may pass `brand` (a partial Brand) to name its site in the header.
 *
 * Every page gets `t(key, vars)` (and `tHtml` for a sentence with its own
 * markup, shown with `<%- %>`), `locale` and `dir` in the request's
 * language (src/i18n: negotiated once per request), and any `text(key)`
 * in its data (a title, a notice, a label built in code) is translated
 * here, where the language is known.
 */
export function createRenderer({
  viewsDir,
  cache,
  brand = DEFAULT_BRAND,
  localizer = createLocalizer(join(viewsDir, '..', 'locales')),
}: {
  viewsDir: string;
  cache: boolean;
  brand?: Brand;
  localizer?: Localizer;
}): Renderer {
  const options = { cache, root: viewsDir } as const;
  return async (ctx, view, data) => {
    const locale = localeOf(ctx);
    const t = localizer.translator(locale);
    const localized = localize(data, t);
    const given = (localized.brand ?? {}) as Partial<Brand>;
    const locals = {
      requestId: String(ctx.state.requestId ?? ''),
      ...localized,
      brand: { tagline: t('layout.tagline'), ...brand, ...given },
      t,
      tHtml: localizer.htmlTranslator(locale),
      locale,
      dir: directionOf(locale),
    };
    const body = await ejs.renderFile(join(viewsDir, `${view}.ejs`), locals, options);
    ctx.type = 'html';
    ctx.set('cache-control', 'no-store');
    ctx.body = await ejs.renderFile(join(viewsDir, 'layout.ejs'), { ...locals, body }, options);
  };
}
