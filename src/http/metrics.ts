import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** The Prometheus metrics admit exposes at /metrics; one registry per app, no globals. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'admit_http_request_duration_seconds',
    help: 'HTTP request latency by route group and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const signIns = new Counter({
    name: 'admit_sign_in_total',
    help: 'Sign-in attempts by site and outcome',
    labelNames: ['site', 'outcome'] as const,
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'admit_tokens_issued_total',
    help: 'Tokens issued by kind',
    labelNames: ['kind'] as const,
    registers: [registry],
  });

  // One child per (method, route group, status), kept: the set is small and bounded.
  const children = new Map<string, { observe(seconds: number): void }>();
  /** Records one answered request (request-context.ts times every request once, for its log line and this). */
  const observeRequest = (method: string, path: string, status: number, seconds: number) => {
    const route = routeGroup(path);
    const key = `${method} ${route} ${status}`;
    let child = children.get(key);
    if (!child) {
      child = httpDuration.labels({ method, route, status: String(status) });
      children.set(key, child);
    }
    child.observe(seconds);
  };

  return { registry, signIns, tokens, observeRequest };
}

export type Metrics = ReturnType<typeof createMetrics>;

// More specific first: /token/introspection is not /token.
const KNOWN_ROUTES = [
  '/token/introspection',
  '/token/revocation',
  '/auth',
  '/token',
  '/me',
  '/jwks',
  '/session/end',
  '/.well-known/openid-configuration',
  '/healthz',
  '/readyz',
  '/metrics',
  '/reg',
].map((route) => ({ route, below: `${route}/` }));

/** Collapses ids out of paths so label cardinality stays bounded. */
export function routeGroup(path: string): string {
  if (path.startsWith('/interaction/')) return '/interaction';
  if (path.startsWith('/assets/')) return '/assets';
  return KNOWN_ROUTES.find(({ route, below }) => path === route || path.startsWith(below))?.route ?? 'other';
}
