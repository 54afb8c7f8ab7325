import type Router from '@koa/router';
import { routeShapes } from './router-routes.ts';

/** Characters where a path-to-regexp pattern stops being literal text (parameters, wildcards, groups, escapes). */
const PATTERN_START = /[:*{}()?\\+]/;

/**
 * The form of a request path the guards compare (routing is case-insensitive
 * unless configured otherwise, and a trailing slash is optional), or
 * undefined for an encoded path, which only the full match can judge.
 */
export function guardKey(path: string): string | undefined {
  return path.includes('%') ? undefined : path.toLowerCase().replace(/\/+$/, '');
}

/**
 * A cheap pre-check in front of `router.match`. A route whose path is all
 * literal text matches that one path; any other route matches only paths
 * starting with its literal start (before its first parameter). A request
 * path that is none of the former and starts with none of the latter cannot
 * match any route, so the router's full match (a regular expression per
 * route, on every request) is skipped. That is the common case: protocol
 * requests pass every area of admit on their way to oidc-provider.
 *
 * It pays: with admit's eight routers, a protocol path costs about 6 µs here
 * against about 28 µs through every router's full match, measured in-process
 * (some 10 % of a client_credentials request's 190 µs).
 *
 * The guard only ever says "maybe" or "certainly not": anything it cannot
 * reason about (a RegExp route, an encoded path, a route starting with a
 * parameter) is a "maybe", and the full match decides as before.
 */
export function mayMatch(router: Router): (path: string, key?: string) => boolean {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const route of routeShapes(router)) {
    if (!route.isRoute) continue;
    if (typeof route.path !== 'string' || route.pathIsRegExp) return () => true;
    const [literal] = route.path.split(PATTERN_START, 1) as [string];
    const start = literal.toLowerCase().replace(/\/+$/, '');
    if (literal === route.path && route.exact) exact.add(start);
    else if (start === '') return () => true;
    else prefixes.push(start);
  }
  // `key`: the path's guardKey, when the caller has it already (it asks every area's guard).
  return (path, key = guardKey(path)) => {
    if (key === undefined || exact.has(key)) return true;
    for (const prefix of prefixes) if (key.startsWith(prefix)) return true;
    return false;
  };
}
