import type Router from '@koa/router';

/** Characters where a path-to-regexp pattern stops being literal text (parameters, wildcards, groups, escapes). */
const PATTERN_START = /[:*{}()?\\+]/;

/** Routing is case-insensitive unless configured otherwise, and a trailing slash is optional. */
const normalise = (path: string) => path.toLowerCase().replace(/\/+$/, '');

/** What a guard compares: a request path, normalised once for every guard it is put to. */
export type GuardPath = { raw: string; normalised: string };
export const guardPath = (path: string): GuardPath => ({ raw: path, normalised: normalise(path) });

/**
 * A cheap pre-check in front of `router.match`. A route whose path is all
 * literal text matches that one path; any other route matches only paths
 * starting with its literal start (before its first parameter). A request
 * path that is none of the former and starts with none of the latter cannot
 * match any route, so the router's full match (a regular expression per
 * route, on every request) is skipped. That is the common case: protocol
 * requests pass every area of admit on their way to oidc-provider.
 *
 * The guard only ever says "maybe" or "certainly not": anything it cannot
 * reason about (a RegExp route, an encoded path, a route starting with a
 * parameter) is a "maybe", and the full match decides as before.
 */
export function mayMatch(router: Router): (path: string | GuardPath) => boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const layer of router.stack) {
    if (layer.methods.length === 0) continue; // middleware only: never makes a match a route
    if (typeof layer.path !== 'string' || layer.opts.pathAsRegExp) return () => true;
    const [literal] = layer.path.split(PATTERN_START, 1) as [string];
    const start = normalise(literal);
    if (literal === layer.path && layer.opts.end !== false) exact.add(start);
    else if (start === '') return () => true;
    else prefixes.push(start);
  }
  return (path) => {
    const { raw, normalised } = typeof path === 'string' ? guardPath(path) : path;
    if (raw.includes('%')) return true;
    return exact.has(normalised) || prefixes.some((prefix) => normalised.startsWith(prefix));
  };
}
