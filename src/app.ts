import { join } from 'node:path';
import type Router from '@koa/router';
import Koa from 'koa';
import mount from 'koa-mount';
import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import type { Config } from './config/schema.ts';
import { AppError } from './errors/app-error.ts';
import type { FlowDeps } from './flows/deps.ts';
import { interactionRoutes } from './flows/routes.ts';
import { assetRoutes } from './http/assets.ts';
import type { CookieSigner } from './http/cookie-signer.ts';
import { errorHandler, respond } from './http/error-handler.ts';
import type { Metrics } from './http/metrics.ts';
import { operationsRoutes } from './http/operations.ts';
import { preparedDocuments } from './http/prepared-documents.ts';
import type { Renderer } from './http/render.ts';
import { requestContext } from './http/request-context.ts';
import { guardKey, mayMatch } from './http/route-guard.ts';
import { securityHeaders } from './http/security-headers.ts';
import { createLocalizer, type Localizer } from './i18n/i18n.ts';
import { localeNegotiation } from './i18n/middleware.ts';
import { isHttpsIssuer, useCookiePolicy } from './lib/cookies.ts';
import type { SiteDirectory } from './services/sites.ts';
import type { Store } from './store/port.ts';
import { StoreUnavailableError } from './store/port.ts';
import type { RequestMemo } from './store/request-memo.ts';

export interface AppDeps {
  config: Config;
  logger: Logger;
  store: Store;
  /** Gives each request its own memo of store reads (see store/request-memo.ts). */
  memo: RequestMemo;
  provider: Provider;
  render: Renderer;
  /** The languages (src/i18n); made from locales/ beside public/ when not given. */
  localizer?: Localizer;
  metrics: Metrics;
  sites: SiteDirectory;
  flows: FlowDeps;
  publicDir: string;
  /** Signs cookies: Koa takes a Keygrip-like signer in place of a key list. */
  cookieKeys: CookieSigner;
  /** Further areas (portal, admin, …), each behind the same error handler. */
  routers: Router[];
  /**
   * The signing key set's version, when keys can change while admit runs:
   * discovery and the JWKS are served from prepared bytes, rebuilt from
   * oidc-provider's next answer whenever this answers something new (change
   * it once the provider publishes the new keys). Unset: fixed until restart.
   */
  signingKeysVersion?: () => unknown;
}

/**
 * The Koa application: admit's middleware and pages first, then
 * oidc-provider for every protocol route it owns.
 */
export function createApp(deps: AppDeps): Koa {
  // ctx.ip (every per-IP limit, the audit log) is the address the outermost trusted proxy saw, never an entry the client wrote.
  const app = new Koa({ proxy: deps.config.server.trustProxy, maxIpsCount: deps.config.server.trustedProxyHops });
  app.keys = deps.cookieKeys;
  // Every cookie admit sets is Secure when the issuer is https (see lib/cookies.ts).
  useCookiePolicy(app, deps.config.server.issuer);
  app.silent = true;
  app.on('error', (error: Error) => deps.logger.error({ err: error }, 'unhandled application error'));
  deps.provider.on('server_error', (ctx: Koa.Context, error: Error) => {
    if (error instanceof StoreUnavailableError) ctx.state.storeUnavailable = true;
    else deps.logger.error({ err: error }, 'oidc-provider server error');
  });

  const https = isHttpsIssuer(deps.config.server.issuer);
  if (https && !deps.config.server.trustProxy) {
    // admit listens on plain http: an https issuer means a TLS-terminating proxy, and without trusting it
    // every request looks like http, so oidc-provider refuses to set its Secure cookies and sign-in fails.
    deps.logger.warn(
      { issuer: deps.config.server.issuer },
      'the issuer is https but no proxy is trusted: set server.trustProxy (ADMIT_TRUST_PROXY=true) for the TLS-terminating proxy in front of admit',
    );
  }
  // Discovery and the JWKS: prepared bytes ahead of everything below (see http/prepared-documents.ts).
  app.use(
    preparedDocuments({
      paths: ['/.well-known/openid-configuration', deps.provider.pathFor('jwks')],
      version: deps.signingKeysVersion,
    }),
  );
  app.use(requestContext(deps.logger, deps.metrics.observeRequest));
  app.use(securityHeaders({ https }));
  app.use((_ctx, next) => deps.memo.run(next));
  // The request's language, chosen once before any page, email or code (src/i18n/negotiate.ts); a sign-in step's ui_locales count first.
  app.use(
    localeNegotiation({
      interactionParams: async (ctx) => (await deps.provider.interactionDetails(ctx.req, ctx.res)).params,
      localizer: deps.localizer ?? createLocalizer(join(deps.publicDir, '..', 'locales')),
    }),
  );

  app.use(
    areas(errorHandler(deps.render), [
      operationsRoutes({ store: deps.store, sites: deps.sites, registry: deps.metrics.registry }),
      assetRoutes({ publicDir: deps.publicDir }),
      interactionRoutes(deps.flows),
      ...deps.routers,
    ]),
  );
  app.use(providerFallbacks(deps.render));
  app.use(mount(deps.provider));
  return app;
}

/**
 * admit's areas in order, each behind the error handler; a request no area's
 * route matches (every protocol request) goes on to the provider after a
 * string check per area, without entering any router. A route that passes a
 * request on lets the next areas try it, as if each were its own middleware.
 */
function areas(handleErrors: Koa.Middleware, routers: Router[]): Koa.Middleware {
  // Built at the first request, when every area has added its routes (see route-guard.ts).
  let guarded: { maybe: (path: string, key?: string) => boolean; router: Router; routes: Koa.Middleware }[] | undefined;
  const from = (index: number, path: string, key: string | undefined, ctx: Koa.Context, next: Koa.Next): Promise<unknown> => {
    for (let i = index; i < guarded!.length; i += 1) {
      const { maybe, router, routes } = guarded![i]!;
      if (maybe(path, key) && router.match(path, ctx.method).route) {
        return handleErrors(ctx, () => routes(ctx, () => from(i + 1, path, key, ctx, next)) as Promise<void>);
      }
    }
    return next();
  };
  return (ctx, next) => {
    guarded ??= routers.map((router) => ({ maybe: mayMatch(router), router, routes: router.routes() as unknown as Koa.Middleware }));
    const { path } = ctx;
    return from(0, path, guardKey(path), ctx, next);
  };
}

/**
 * What admit says when oidc-provider could not answer: any failure inside it
 * is a 500 server_error, and when the cause was the store admit says what it
 * is instead (503, retry shortly); a path nothing handled, not even
 * oidc-provider, gets admit's 404 page or JSON.
 */
function providerFallbacks(render: AppDeps['render']): Koa.Middleware {
  return async (ctx, next) => {
    await next();
    if (ctx.state.storeUnavailable && ctx.status === 500) await respond(ctx, render, new AppError('store_unavailable', 503));
    else if (ctx.status === 404 && ctx.body == null) await respond(ctx, render, new AppError('not_found', 404));
  };
}
