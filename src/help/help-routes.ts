import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { Renderer } from '../http/render.ts';
import { guard, type InputRefusal } from '../http/route-input.ts';
import { text } from '../i18n/index.ts';
import type { SiteDirectory } from '../services/sites.ts';
import { helpTopicsOf } from './help-topics.ts';
import type { ResendRequests } from './resend-requests.ts';

export interface HelpDeps {
  render: Renderer;
  csrf: { verify: Middleware; token(ctx: Context): string };
  sites: SiteDirectory;
  resend: ResendRequests;
}

const siteId = z.string().max(64);
const helpQuery = z.object({ site: siteId.optional().catch(undefined), sent: z.literal('1').optional().catch(undefined) });

// Each message is a key of locales/<lang>/help.json, shown beside the form in the page's language.
const resendForm = z.object({
  site: siteId.refine((value) => value.length > 0, 'help:resend.errors.site'),
  email: z.email({ error: 'help:resend.errors.email' }).max(254, 'help:resend.errors.email'),
});

/**
 * Seed 002's "Sign In Help" at /help (`?site=<id>` for one site's answers)
 * and its "request the invitation email be resent": a CSRF-checked POST
 * that answers with the same page whatever admit knows of the address, or
 * whether the request was over its limits (post/redirect/get to `?sent=1`).
 */
export function helpRoutes(deps: HelpDeps): Router {
  const router = new Router();
  const form = bodyParser({ enableTypes: ['form'], formLimit: '4kb' });

  async function show(ctx: Context, view: { site?: string; sent?: boolean; refusal?: InputRefusal }) {
    const sites = deps.sites.list();
    // A deployment of one site: its answers, without asking.
    const chosen = view.site ?? (sites.length === 1 ? sites[0]!.id : undefined);
    const site = chosen ? deps.sites.get(chosen) : undefined;
    ctx.set('cache-control', 'no-store');
    await deps.render(ctx, 'help/help', {
      title: text('help:title'),
      brandSite: site?.config.id,
      site: site ? { id: site.config.id, displayName: site.config.displayName } : undefined,
      sites,
      topics: helpTopicsOf(site ? [site] : deps.sites.all()),
      sent: view.sent ?? false,
      error: view.refusal ? text(view.refusal.issue) : undefined,
      email: view.refusal?.echo.email?.slice(0, 254) ?? '',
      returnTo: site ? `/help?site=${encodeURIComponent(site.config.id)}` : '/help',
      csrfToken: deps.csrf.token(ctx),
    });
  }

  const query = guard({ query: helpQuery });
  router.get('/help', query, (ctx) => {
    const { site, sent } = query.input(ctx).query;
    return show(ctx, { site, sent: sent === '1' });
  });

  const input = guard({
    body: resendForm,
    invalid: (ctx: Context, refusal: InputRefusal) => {
      ctx.status = 400;
      const site = refusal.echo.site;
      return show(ctx, { site: site && deps.sites.get(site) ? site : undefined, refusal });
    },
  });
  router.post('/help/resend-invitation', form, deps.csrf.verify, input, async (ctx) => {
    const { site, email } = input.input(ctx).body;
    if (!deps.sites.get(site)) {
      ctx.status = 400;
      return show(ctx, {
        refusal: { code: 'invalid_form', message: '', issue: 'help:resend.errors.site', text: text('help:resend.errors.site'), echo: { email } },
      });
    }
    // Sent, over a limit, invited or not: one answer (the admins' email is what differs).
    await deps.resend.request(ctx, { siteId: site, email });
    ctx.set('cache-control', 'no-store');
    ctx.status = 303;
    ctx.redirect(`/help?site=${encodeURIComponent(site)}&sent=1#resend`);
  });
  return router;
}
