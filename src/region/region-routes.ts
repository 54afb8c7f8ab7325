import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { Renderer } from '../http/render.ts';
import { guard, type InputRefusal } from '../http/route-input.ts';
import { shippedLocaleOf, text } from '../i18n/index.ts';
import { rememberRegion } from './region-cookies.ts';
import { countryOf } from './regions.ts';
import { sameOriginPath } from './return-path.ts';

/** Each message is a key of locales/<lang>/region.json, shown on the refusal page in the page's language. */
const regionForm = z.object({
  country: z
    .string({ error: 'region:refused.country' })
    .transform((code) => countryOf(code.trim().toUpperCase()))
    .refine((country) => country !== undefined, 'region:refused.country'),
  language: z
    .string({ error: 'region:refused.language' })
    .transform((tag) => shippedLocaleOf(tag.slice(0, 35)))
    .refine((language) => language !== undefined, 'region:refused.language'),
  returnTo: z
    .string({ error: 'region:refused.returnTo' })
    .transform(sameOriginPath)
    .refine((path) => path !== undefined, 'region:refused.returnTo'),
});

/**
 * The region selector's form (views/partials/region-selector.ejs): a plain
 * POST, CSRF-checked, that remembers the country and the language in
 * cookies and sends the browser back to the page it came from, a path of
 * admit only (never another site: no open redirect). Refused input changes
 * nothing and says which field was wrong.
 */
export function regionRoutes(deps: { render: Renderer; csrf: { verify: Middleware; token(ctx: Context): string } }): Router {
  const router = new Router();
  const form = bodyParser({ enableTypes: ['form'], formLimit: '4kb' });
  const input = guard({
    body: regionForm,
    invalid: async (ctx: Context, refusal: InputRefusal) => {
      ctx.status = 400;
      const back = sameOriginPath(refusal.echo.returnTo) ?? '/help';
      await deps.render(ctx, 'help/region-refused', {
        title: text('region:refused.title'),
        message: text(refusal.issue),
        back,
        csrfToken: deps.csrf.token(ctx),
      });
    },
  });
  router.post('/region', form, deps.csrf.verify, input, (ctx) => {
    const { country, language, returnTo } = input.input(ctx).body;
    rememberRegion(ctx, { country: country!.code, language: language! });
    ctx.set('cache-control', 'no-store');
    ctx.status = 303;
    ctx.redirect(returnTo!);
  });
  return router;
}
