import type Router from '@koa/router';

/** The @koa/router version whose Router#stack and Layer#opts this adapter was read in (dist/index.mjs). */
export const WRITTEN_FOR_KOA_ROUTER = '15.7.0';

/** What the route guard needs to know of one entry of a router, in its own terms. */
export interface RouteShape {
  /** The path as registered, the router's prefix included. */
  path: string | RegExp;
  /** False for `router.use` middleware, which never makes a request match a route. */
  isRoute: boolean;
  /** The path matches only itself, not paths below it. */
  exact: boolean;
  /** The string path is a regular expression's source (`pathAsRegExp`). */
  pathIsRegExp: boolean;
}

/**
 * The routes of a router, read from @koa/router's `stack` of layers and
 * their `opts`. Typed in its declarations, absent from its README: the one
 * place admit reads them, so an upgrade has one file to check.
 * router-routes.test.ts pins the version and the shapes read.
 */
export function routeShapes(router: Router): RouteShape[] {
  return router.stack.map((layer) => ({
    path: layer.path,
    isRoute: layer.methods.length > 0,
    exact: layer.opts.end !== false,
    pathIsRegExp: layer.opts.pathAsRegExp === true,
  }));
}
