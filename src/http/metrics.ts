import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Middleware } from 'koa';

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

  const httpTimer: Middleware = async (ctx, next) => {
    const end = httpDuration.startTimer({ method: ctx.method });
    try {
      await next();
    } finally {
      end({ route: routeGroup(ctx.path), status: String(ctx.status) });
    }
  };

  return { registry, signIns, tokens, httpTimer };
}

export type Metrics = ReturnType<typeof createMetrics>;

/** Collapses ids out of paths so label cardinality stays bounded. */
function routeGroup(path: string): string {
  if (path.startsWith('/interaction/')) return '/interaction';
  if (path.startsWith('/assets/')) return '/assets';
  const known = ['/auth', '/token', '/me', '/jwks', '/token/introspection', '/token/revocation', '/session/end', '/.well-known/openid-configuration', '/healthz', '/readyz', '/metrics', '/reg'];
  return known.find((route) => path === route || path.startsWith(`${route}/`)) ?? 'other';
}
