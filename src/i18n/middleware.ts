import type { Context, Middleware } from 'koa';
import type { Localizer } from './i18n.ts';
import { negotiateLocale } from './negotiate.ts';
import type { Translate } from './text.ts';

/** The language this request's pages, emails and codes are in: set by `localeNegotiation`, else negotiated on the spot. */
export function localeOf(ctx: Context): string {
  const set = ctx.state?.locale;
  if (typeof set === 'string') return set;
  const negotiated = negotiateLocale(ctx);
  if (ctx.state) ctx.state.locale = negotiated;
  return negotiated;
}

/**
 * A `t(key, vars)` in the request's language, for words code writes down
 * (a device's default name); undefined outside a negotiated request.
 */
export function translatorOf(ctx: Context): Translate | undefined {
  const t = ctx.state?.t;
  return typeof t === 'function' ? (t as Translate) : undefined;
}

/**
 * Chooses the request's language once, before any handler sends an email
 * or a code: on a sign-in step (`/interaction/<uid>/…`) the authorization's
 * `ui_locales` counts first, and on the authorization endpoint its query.
 * An interaction that cannot be read (expired, another browser) just does
 * not count; the step itself says what is wrong.
 */
export function localeNegotiation({
  authorizationPath = '/auth',
  interactionParams,
  localizer,
}: {
  authorizationPath?: string;
  interactionParams: (ctx: Context) => Promise<Record<string, unknown>>;
  localizer?: Localizer;
}): Middleware {
  return async (ctx, next) => {
    let uiLocales: unknown;
    if (ctx.path.startsWith('/interaction/'))
      uiLocales = await interactionParams(ctx).then(
        (params) => params.ui_locales,
        () => undefined,
      );
    else if (ctx.path === authorizationPath) uiLocales = ctx.query.ui_locales;
    ctx.state.locale = negotiateLocale(ctx, { uiLocales });
    if (localizer) ctx.state.t = localizer.translator(ctx.state.locale);
    await next();
  };
}
