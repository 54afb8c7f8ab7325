import type Router from '@koa/router';

/** Characters where a path-to-regexp pattern stops being literal text (parameters, wildcards, groups, escapes). */
const PATTERN_START = /[:*{}()?\\+]/;

/**
 * A cheap pre-check in front of `router.match`: the literal start of every
 * route's path (before its first parameter). A request whose path starts with
 * none of them cannot match any route, so the router's full match (a regular
 * expression per route, on every request) is skipped. That is the common
 * case: protocol requests pass every admin router on their way to
 * oidc-provider, and each router added costs them all a full match.
 *
 * The guard only ever says "maybe" or "certainly not": anything it cannot
 * reason about (a RegExp route, an encoded path, a route starting with a
 * parameter) is a "maybe", and the full match decides as before.
 */
export function mayMatch(router: Router): (path: string) => boolean {
  const prefixes: string[] = [];
  for (const layer of router.stack) {
    if (layer.methods.length === 0) continue; // middleware only: never makes a match a route
    if (typeof layer.path !== 'string' || layer.opts.pathAsRegExp) return () => true;
    // Routing is case-insensitive unless configured otherwise, and a trailing slash is optional.
    const literal = layer.path.split(PATTERN_START, 1)[0]!.toLowerCase().replace(/\/+$/, '');
    if (literal === '') return () => true;
    prefixes.push(literal);
  }
  return (path) => {
    if (path.includes('%')) return true;
    const lower = path.toLowerCase();
    return prefixes.some((prefix) => lower.startsWith(prefix));
  };
}
