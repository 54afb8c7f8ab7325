import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import { createScimTokens } from '../services/scim-tokens.ts';
import { createThrottle } from '../services/throttle.ts';
import type { ScimCall, ScimDeps } from './deps.ts';
import { listOf, MAX_PAYLOAD_BYTES, resourceTypeDocument, resourceTypes, schemaDocument, schemas, serviceProviderConfig } from './discovery.ts';
import { groupResource, listGroups } from './group-query.ts';
import { requireGroup } from './group-store.ts';
import { createScimGroups } from './groups.ts';
import { SCIM_CONTENT_TYPE, ScimError, sendScimError } from './scim-error.ts';
import { provisionable } from './user-provisioning.ts';
import { type ListQuery, listUsers, MAX_COUNT } from './user-query.ts';
import { userResource } from './user-resource.ts';
import { createScimUsers, type LoadedUser } from './users.ts';

/** Failed token checks one address may make per minute before it is answered 429 (and no longer audited). */
const MAX_FAILURES_PER_IP = 30;

const callOf = (ctx: Context) => ctx.state.scim as ScimCall;

/**
 * SCIM 2.0 (RFC 7643 / 7644) per site at /scim/v2/<site>: Users, Groups
 * and the discovery documents. Every route: SCIM errors, the site's bearer
 * token (services/scim-tokens.ts: a token is good for its own site only),
 * the per-token rate limit; bodies are JSON (application/scim+json) up to
 * 512 KB.
 */
export function scimRoutes(given: Omit<ScimDeps, 'tokens' | 'throttle'> & Partial<Pick<ScimDeps, 'tokens' | 'throttle'>> & { issuer: string }): Router {
  // The tokens the console makes (the same store keys) and the store's sliding-window counters.
  const deps: ScimDeps & { issuer: string } = {
    ...given,
    tokens: given.tokens ?? createScimTokens({ store: given.store }),
    throttle: given.throttle ?? createThrottle({ store: given.store }),
  };
  const router = new Router({ prefix: '/scim/v2' });
  const users = createScimUsers(deps);
  const groups = createScimGroups(deps);

  const scimErrors: Middleware = async (ctx, next) => {
    ctx.set('cache-control', 'no-store');
    try {
      await next();
    } catch (caught) {
      const status = (caught as { status?: number }).status;
      if (caught instanceof ScimError) sendScimError(ctx, caught);
      else if (status === 413) sendScimError(ctx, new ScimError(413, `The body is larger than ${MAX_PAYLOAD_BYTES / 1024} KB.`));
      else if (status === 400 || status === 415) sendScimError(ctx, new ScimError(400, 'The body is not JSON.', 'invalidSyntax'));
      else {
        ctx.state.log?.error({ err: caught }, 'SCIM request failed');
        sendScimError(ctx, new ScimError(status === 503 ? 503 : 500, 'admit could not do this now; try again.'));
      }
      if (ctx.status === 503) ctx.set('retry-after', '5');
    }
  };

  const refuse = async (ctx: Context, siteId: string | undefined, reason: string) => {
    const failures = await deps.throttle.hit(`scim-fail:${ctx.ip}`, 60);
    ctx.set('www-authenticate', 'Bearer realm="admit SCIM"');
    if (failures > MAX_FAILURES_PER_IP) {
      ctx.set('retry-after', '60');
      throw new ScimError(429, 'Too many refused tokens from this address; wait a minute.');
    }
    void deps.audit.record(ctx, { action: 'scim.auth', outcome: reason, site: siteId, actor: 'scim' });
    throw new ScimError(401, 'A valid bearer token for this site is required.');
  };

  const authenticate: Middleware = async (ctx, next) => {
    const siteId = String(ctx.params.site);
    const site = deps.sites.get(siteId);
    const header = ctx.get('authorization');
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!site || !provisionable({ site })) return refuse(ctx, undefined, 'unknown_site');
    if (!token) return refuse(ctx, siteId, 'no_token');
    const checked = await deps.tokens.check(siteId, token);
    if (!checked.ok) return refuse(ctx, siteId, 'invalid_token');
    const count = await deps.throttle.hit(`scim:${siteId}:${checked.tokenId}`, 60);
    if (count > site.config.scim.requestsPerMinute) {
      ctx.set('retry-after', '10');
      throw new ScimError(429, 'Too many requests with this token; slow down.');
    }
    const call: ScimCall = { ctx, site, siteId, base: `${deps.issuer.replace(/\/+$/, '')}/scim/v2/${encodeURIComponent(siteId)}` };
    ctx.state.scim = call;
    await next();
  };

  const parseJson = bodyParser({ enableTypes: ['json'], extendTypes: { json: ['application/scim+json'] }, jsonLimit: MAX_PAYLOAD_BYTES, jsonStrict: true });
  const jsonBody: Middleware = async (ctx, next: Next) => {
    if (!ctx.is('application/scim+json', 'application/json')) throw new ScimError(415, 'Send the body as application/scim+json.', 'invalidSyntax');
    await parseJson(ctx, async () => {
      const body = ctx.request.body;
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ScimError(400, 'The body must be a JSON object.', 'invalidSyntax');
      await next();
    });
  };

  const guarded = [scimErrors, authenticate];
  const writing = [...guarded, jsonBody];

  const send = (ctx: Context, status: number, body: unknown) => {
    ctx.status = status;
    ctx.type = SCIM_CONTENT_TYPE;
    ctx.body = body;
    const meta = (body as { meta?: { version?: string; location?: string } }).meta;
    if (meta?.version) ctx.set('etag', meta.version);
    if (status === 201 && meta?.location) ctx.set('location', meta.location);
  };
  const ifMatch = (ctx: Context) => ctx.get('if-match') || undefined;
  const sendUser = (ctx: Context, status: number, user: LoadedUser) => send(ctx, status, userResource(user.account, user.extra, callOf(ctx).base));

  router.get('/:site/ServiceProviderConfig', ...guarded, (ctx) => send(ctx, 200, serviceProviderConfig(callOf(ctx).base)));
  router.get('/:site/Schemas', ...guarded, (ctx) => send(ctx, 200, listOf(schemas.map((schema) => schemaDocument(schema, callOf(ctx).base)))));
  router.get('/:site/Schemas/:id', ...guarded, (ctx) => {
    const schema = schemas.find((candidate) => candidate.id === ctx.params.id);
    if (!schema) throw new ScimError(404, `No schema ${ctx.params.id}.`);
    send(ctx, 200, schemaDocument(schema, callOf(ctx).base));
  });
  router.get('/:site/ResourceTypes', ...guarded, (ctx) => send(ctx, 200, listOf(resourceTypes.map((type) => resourceTypeDocument(type, callOf(ctx).base)))));
  router.get('/:site/ResourceTypes/:id', ...guarded, (ctx) => {
    const type = resourceTypes.find((candidate) => candidate.id === ctx.params.id);
    if (!type) throw new ScimError(404, `No resource type ${ctx.params.id}.`);
    send(ctx, 200, resourceTypeDocument(type, callOf(ctx).base));
  });

  router.get('/:site/Users', ...guarded, async (ctx) => {
    const query = listQuery(ctx);
    const answer = await listUsers(deps, callOf(ctx), query);
    send(ctx, 200, listOf(answer.resources, query.startIndex, answer.totalResults));
  });
  router.post('/:site/Users', ...writing, async (ctx) => sendUser(ctx, 201, await users.create(callOf(ctx), ctx.request.body)));
  router.get('/:site/Users/:id', ...guarded, async (ctx) => sendUser(ctx, 200, await users.load(callOf(ctx), String(ctx.params.id))));
  router.put('/:site/Users/:id', ...writing, async (ctx) =>
    sendUser(ctx, 200, await users.replace(callOf(ctx), String(ctx.params.id), ctx.request.body, ifMatch(ctx))),
  );
  router.patch('/:site/Users/:id', ...writing, async (ctx) =>
    sendUser(ctx, 200, await users.patch(callOf(ctx), String(ctx.params.id), ctx.request.body, ifMatch(ctx))),
  );
  router.delete('/:site/Users/:id', ...guarded, async (ctx) => {
    await users.remove(callOf(ctx), String(ctx.params.id), ifMatch(ctx));
    ctx.status = 204;
  });

  const groupShape = (ctx: Context) => {
    const excluded = typeof ctx.query.excludedAttributes === 'string' ? ctx.query.excludedAttributes.toLowerCase().split(',') : [];
    const wanted = typeof ctx.query.attributes === 'string' ? ctx.query.attributes.toLowerCase().split(',') : undefined;
    return {
      withoutMembers:
        excluded.map((name) => name.trim()).includes('members') || (wanted !== undefined && !wanted.map((name) => name.trim()).includes('members')),
    };
  };
  router.get('/:site/Groups', ...guarded, async (ctx) => {
    const query = listQuery(ctx);
    const answer = await listGroups(deps, callOf(ctx), query, groupShape(ctx));
    send(ctx, 200, listOf(answer.resources, query.startIndex, answer.totalResults));
  });
  router.post('/:site/Groups', ...writing, async (ctx) => {
    const group = await groups.create(callOf(ctx), ctx.request.body);
    send(ctx, 201, await groupResource(deps, callOf(ctx), group));
  });
  router.get('/:site/Groups/:id', ...guarded, async (ctx) => {
    const group = await requireGroup(deps.store, callOf(ctx).siteId, String(ctx.params.id));
    send(ctx, 200, await groupResource(deps, callOf(ctx), group, groupShape(ctx)));
  });
  router.put('/:site/Groups/:id', ...writing, async (ctx) => {
    const group = await groups.replace(callOf(ctx), String(ctx.params.id), ctx.request.body, ifMatch(ctx));
    send(ctx, 200, await groupResource(deps, callOf(ctx), group));
  });
  // Entra expects 204 from a group PATCH (its members may be many); the new version is in the ETag.
  router.patch('/:site/Groups/:id', ...writing, async (ctx) => {
    const group = await groups.patch(callOf(ctx), String(ctx.params.id), ctx.request.body, ifMatch(ctx));
    ctx.status = 204;
    ctx.set('etag', `W/"v${group.version}"`);
  });
  router.delete('/:site/Groups/:id', ...guarded, async (ctx) => {
    await groups.remove(callOf(ctx), String(ctx.params.id), ifMatch(ctx));
    ctx.status = 204;
  });
  // Anything else under a site's endpoint (another resource, another method) is a SCIM 404, before any token check.
  router.all('/:site/*rest', scimErrors, () => {
    throw new ScimError(404, 'No such SCIM endpoint: admit serves Users, Groups, ServiceProviderConfig, Schemas and ResourceTypes.');
  });
  return router;
}

/** startIndex (1-based; below 1 is 1) and count (0 to 100; more is 100), as RFC 7644 §3.4.2.4 lets a server clamp them. */
function listQuery(ctx: Context): ListQuery {
  const { filter, startIndex, count } = ctx.query;
  for (const [name, value] of Object.entries({ filter, startIndex, count })) {
    if (Array.isArray(value)) throw new ScimError(400, `${name} is given more than once.`, 'invalidValue');
  }
  const integer = (value: unknown, name: string, fallback: number) => {
    if (value === undefined || value === '') return fallback;
    if (typeof value !== 'string' || !/^-?\d{1,9}$/.test(value)) throw new ScimError(400, `${name} must be a whole number.`, 'invalidValue');
    return Number(value);
  };
  return {
    filter: typeof filter === 'string' && filter.trim() !== '' ? filter : undefined,
    startIndex: Math.max(1, integer(startIndex, 'startIndex', 1)),
    count: Math.min(MAX_COUNT, Math.max(0, integer(count, 'count', MAX_COUNT))),
  };
}
