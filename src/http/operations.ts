import Router from '@koa/router';
import type { Registry } from 'prom-client';
import type { SiteDirectory } from '../services/sites.ts';
import type { Store } from '../store/port.ts';

/**
 * /healthz: the process is alive. /readyz: the store answers (503 if not),
 * with each site's directory reported; a degraded directory does not make
 * admit unready, it only shows here. /metrics: Prometheus text format.
 */
export function operationsRoutes({ store, sites, registry }: { store: Store; sites: SiteDirectory; registry: Registry }): Router {
  const router = new Router();

  router.get('/healthz', (ctx) => {
    ctx.set('cache-control', 'no-store');
    ctx.body = { status: 'ok' };
  });

  router.get('/readyz', async (ctx) => {
    ctx.set('cache-control', 'no-store');
    const storeCheck = await store.ping().then(
      () => ({ ok: true as const }),
      (error: Error) => ({ ok: false as const, reason: error.message }),
    );
    const directories = Object.fromEntries(
      await Promise.all(
        sites.all().map(async ({ config, connector }) => {
          const health = await connector.health();
          return [config.id, health.ok ? 'ok' : 'degraded'] as const;
        }),
      ),
    );
    ctx.status = storeCheck.ok ? 200 : 503;
    ctx.body = { status: storeCheck.ok ? 'ready' : 'unavailable', store: storeCheck.ok ? 'ok' : 'unavailable', directories };
  });

  router.get('/metrics', async (ctx) => {
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  });

  return router;
}
