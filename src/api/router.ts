import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import type Provider from 'oidc-provider';
import { auditAction } from '../admin/actions/actor.ts';
import { messages } from '../errors/messages.ts';
import type { Throttle } from '../services/throttle.ts';
import type { Store } from '../store/port.ts';
import type { ApiClient } from './api-clients.ts';
import { bearerAuth, callerOf, requireScope } from './bearer.ts';
import { type ApiRoute, parse } from './define.ts';
import { idempotency } from './idempotency.ts';
import { openApiDocument } from './openapi.ts';
import { ApiProblem, problemOf, problems } from './problem.ts';
import { rateLimit } from './rate-limit.ts';
import { auditRoutes } from './routes/audit.ts';
import { clientRoutes } from './routes/clients.ts';
import type { ApiRouteDeps } from './routes/common.ts';
import { invitationRoutes } from './routes/invitations.ts';
import { outboxRoutes } from './routes/outbox.ts';
import { requestRoutes } from './routes/requests.ts';
import { userRoutes } from './routes/users.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { API_PREFIX } from './scopes.ts';

export interface ManagementApiDeps extends ApiRouteDeps {
  provider: Provider;
  store: Store;
  throttle: Throttle;
  issuer: string;
  /** The resource indicator its tokens are issued for (scopes.ts, apiResourceOf). */
  resource: string;
  apiClients: () => Map<string, ApiClient>;
  allSiteIds: () => string[];
  settings: { requestsPerMinute: number; idempotencyHours: number };
}

/** Every operation of the API, in the order the OpenAPI document lists them. */
export const apiRoutesOf = (deps: ApiRouteDeps): ApiRoute[] => [
  ...userRoutes(deps),
  ...invitationRoutes(deps),
  ...requestRoutes(deps),
  ...clientRoutes(deps),
  ...auditRoutes(deps),
  ...outboxRoutes(deps),
  ...(deps.webhooks ? webhookRoutes(deps.webhooks) : []),
];

/** Every call, audited as the API client's (the actions audit what they did besides). */
function auditCall(deps: ManagementApiDeps, spec: ApiRoute): Middleware {
  return async (ctx, next) => {
    let status = 500;
    try {
      await next();
      status = ctx.status;
    } catch (caught) {
      status = problemOf(caught).status;
      throw caught;
    } finally {
      const { actor } = callerOf(ctx);
      // Not a `return` here: it would swallow what the call threw.
      if (!ctx.state.apiUnaudited)
        auditAction(deps, ctx, actor, {
          action: 'api.call',
          outcome: String(status),
          detail: { operation: spec.operationId, method: ctx.method, path: ctx.path.slice(0, 200) },
        });
    }
  };
}

/** A body is JSON or nothing; a body of another type is 415 before anything reads it. */
const jsonOnly: Middleware = (ctx, next) => {
  const hasBody = Number(ctx.get('content-length') || 0) > 0 || ctx.get('transfer-encoding') !== '';
  if (hasBody && !ctx.is('application/json')) throw new ApiProblem(415, 'unsupported_media_type', 'Send the body as application/json.');
  return next();
};

/** The JSON parser's refusals as problems: malformed JSON is 400, a body over the limit 413. */
const readJson = bodyParser({ enableTypes: ['json'], jsonLimit: '64kb', encoding: 'utf-8' });
const parseJson: Middleware = async (ctx, next) => {
  try {
    await readJson(ctx, async () => {});
  } catch (caught) {
    const status = (caught as { status?: number }).status;
    if (status === 413) throw new ApiProblem(413, 'payload_too_large', 'The body is over 64 KB.');
    throw new ApiProblem(400, 'invalid_json', 'The body is not valid JSON.');
  }
  return next();
};

/**
 * The management API under /api/v1: every console action as JSON, for API
 * clients with client_credentials access tokens (bearer.ts), a rate limit
 * per client, Idempotency-Key on POST, RFC 9457 problems, and the OpenAPI
 * document at /api/v1/openapi.json made from the same schemas.
 */
export function managementApiRoutes(deps: ManagementApiDeps): Router {
  const router = new Router({ prefix: API_PREFIX });
  const routes = apiRoutesOf(deps);
  const document = openApiDocument(routes, deps.issuer);
  const auth = bearerAuth(deps);
  const limit = rateLimit({ throttle: deps.throttle, perMinute: deps.settings.requestsPerMinute });
  const remember = idempotency({ store: deps.store, ttlSeconds: deps.settings.idempotencyHours * 3600 });
  router.use(problems());
  router.use(async (ctx: Context, next: Next) => {
    ctx.set('cache-control', 'no-store');
    await next();
  });

  router.get('/openapi.json', (ctx) => {
    ctx.set('cache-control', 'public, max-age=300');
    ctx.body = document;
  });

  for (const spec of routes) {
    const globalOnly: Middleware = (ctx, next) => {
      if (spec.globalOnly && !callerOf(ctx).actor.allSites) throw new ApiProblem(404, 'not_found', messages.not_found);
      return next();
    };
    const body = spec.method === 'post' ? [jsonOnly, parseJson] : [];
    router[spec.method](spec.path, auth, auditCall(deps, spec), limit, requireScope(spec.scope), globalOnly, ...body, remember, async (ctx: Context) => {
      const input = {
        body: spec.body ? parse(spec.body, (ctx.request as { body?: unknown }).body ?? {}, 'body') : undefined,
        query: spec.query ? parse(spec.query, ctx.query, 'query') : undefined,
        id: String((ctx as Context & { params?: { id?: string } }).params?.id ?? ''),
      };
      ctx.status = 200;
      await spec.run(ctx, input, callerOf(ctx));
    });
  }
  // Any other path under the prefix: a problem, not the provider's page.
  router.all('/{*rest}', () => {
    throw new ApiProblem(404, 'not_found', 'No such operation: see /api/v1/openapi.json.');
  });
  return router;
}
