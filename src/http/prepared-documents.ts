import { createHash } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import type { Context, Middleware, Next } from 'koa';
import { requestIdOf } from './request-context.ts';

/**
 * Discovery and the JWKS as prepared bytes. They change only when the
 * configuration (a restart) or the signing keys change, yet each request
 * went through the whole chain (request context, security headers, memo,
 * route guard, oidc-provider's router and its JSON) for the same answer.
 *
 * The first GET of a document goes through that chain as any request does;
 * what oidc-provider answers (a 200 without cookies) is kept as bytes with
 * its headers, the ones admit's middleware put on a JSON answer included
 * (security headers, Vary: Origin), plus a strong ETag and Cache-Control.
 * Later GETs and HEADs are answered from those bytes ahead of every other
 * middleware, so they skip the access-log line and the latency metric too;
 * `If-None-Match` with the ETag gets a 304. CORS is oidc-provider's open rule
 * for these two routes, done here as it does it: Access-Control-Allow-Origin
 * is the request's Origin, or `*` without one. Preflights (OPTIONS) and
 * anything else go on to the chain.
 *
 * oidc-provider builds discovery's URLs from the request's own origin, so the
 * bytes are kept per origin (`ctx.protocol`://`ctx.host`, which honour the trusted proxy's
 * X-Forwarded-Proto and -Host), at most `maxOrigins` of them; a request from
 * another origin past that goes through the chain, unkept.
 *
 * `version()` names the current signing key set (or anything else the
 * documents derive from); when it answers something else than when the bytes
 * were kept, they are dropped and built again from oidc-provider's next
 * answer. `invalidate()` drops them at once. Whoever swaps the provider's
 * keys changes the version after the provider answers with the new ones.
 */
export interface PreparedDocumentsOptions {
  /** Request paths to prepare, e.g. `/.well-known/openid-configuration` and `/jwks`. */
  paths: readonly string[];
  /** Changes whenever what the documents say changes (the signing key set's version). */
  version?: () => unknown;
  /**
   * Cache-Control on every answer (200 and 304) whose chain answer set none;
   * one the chain set (the live signing keys' JWKS max-age) is kept as it is.
   */
  cacheControl?: string;
  maxOrigins?: number;
}

interface Prepared {
  status: 200;
  body: Buffer;
  etag: string;
  /** Header name/value pairs, in the order oidc-provider's answer had them, without the CORS origin. */
  headers: [string, string][];
  cacheControl: string;
}

/** Set per request (or by Node), never kept: the rest of a kept answer's headers is the same for every request. */
const PER_REQUEST = new Set([
  'x-request-id',
  'date',
  'content-length',
  'access-control-allow-origin',
  'etag',
  'cache-control',
  'connection',
  'keep-alive',
  'transfer-encoding',
]);

export const DEFAULT_CACHE_CONTROL = 'public, max-age=60';

export function preparedDocuments(options: PreparedDocumentsOptions): Middleware & { invalidate(): void } {
  const paths = new Set(options.paths);
  const version = options.version ?? (() => undefined);
  const cacheControl = options.cacheControl ?? DEFAULT_CACHE_CONTROL;
  const maxOrigins = options.maxOrigins ?? 8;
  let keptVersion = version();
  // origin → path → prepared answer
  let kept = new Map<string, Map<string, Prepared>>();
  let generation = 0;

  const invalidate = () => {
    kept = new Map();
    generation += 1;
  };

  const middleware = async (ctx: Context, next: Next): Promise<unknown> => {
    if ((ctx.method !== 'GET' && ctx.method !== 'HEAD') || !paths.has(ctx.path)) return next();
    const current = version();
    if (current !== keptVersion) {
      keptVersion = current;
      invalidate();
    }
    // Not ctx.origin: in Koa 3 that is the request's Origin header, not the origin it was sent to.
    const origin = `${ctx.protocol}://${ctx.host}`;
    const prepared = kept.get(origin)?.get(ctx.path);
    if (prepared) return answer(ctx, prepared);

    const started = generation;
    await next();
    const built = prepare(ctx, cacheControl);
    if (!built) return undefined;
    // Keys changed while oidc-provider answered: this answer is not kept (the next request builds one).
    if (version() !== current || generation !== started) return withValidators(ctx, built);
    let byPath = kept.get(origin);
    if (!byPath) {
      if (kept.size >= maxOrigins) return withValidators(ctx, built);
      byPath = new Map();
      kept.set(origin, byPath);
    }
    byPath.set(ctx.path, built);
    return withValidators(ctx, built);
  };
  return Object.assign(middleware, { invalidate });
}

/** The answer the chain gave, as bytes and headers, when it is one to keep. */
function prepare(ctx: Context, defaultCacheControl: string): Prepared | undefined {
  if (ctx.status !== 200 || ctx.res.hasHeader('set-cookie')) return undefined;
  const { body } = ctx;
  let bytes: Buffer;
  if (Buffer.isBuffer(body)) bytes = body;
  else if (typeof body === 'string') bytes = Buffer.from(body);
  else if (body !== null && typeof body === 'object' && typeof (body as { pipe?: unknown }).pipe !== 'function')
    bytes = Buffer.from(JSON.stringify(body)); // as Koa sends it
  else return undefined;
  const headers: [string, string][] = [];
  for (const [name, value] of Object.entries(ctx.res.getHeaders() as OutgoingHttpHeaders)) {
    if (value === undefined || PER_REQUEST.has(name)) continue;
    headers.push([name, Array.isArray(value) ? value.join(', ') : String(value)]);
  }
  const cacheControl = ctx.response.get('Cache-Control') || defaultCacheControl;
  return { status: 200, body: bytes, etag: strongEtag(bytes), headers, cacheControl };
}

/** The first answer goes out through Koa as built, with the validators the kept ones carry. */
function withValidators(ctx: Context, prepared: Prepared): void {
  ctx.body = prepared.body;
  ctx.set('ETag', prepared.etag);
  ctx.set('Cache-Control', prepared.cacheControl);
  if (ctx.fresh) ctx.status = 304;
}

/** A kept answer, written straight to the socket: no Koa response handling. */
function answer(ctx: Context, prepared: Prepared): void {
  const { res } = ctx;
  ctx.respond = false;
  const headers = prepared.headers;
  for (let i = 0; i < headers.length; i += 1) res.setHeader(headers[i]![0], headers[i]![1]);
  res.setHeader('Access-Control-Allow-Origin', ctx.get('Origin') || '*');
  // Per request like every answer's, so a trace id sent by a caller still comes back.
  res.setHeader('X-Request-Id', requestIdOf(ctx));
  res.setHeader('ETag', prepared.etag);
  res.setHeader('Cache-Control', prepared.cacheControl);
  if (matches(ctx.get('If-None-Match'), prepared.etag)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.statusCode = prepared.status;
  res.setHeader('Content-Length', prepared.body.length);
  if (ctx.method === 'HEAD') res.end();
  else res.end(prepared.body);
}

/** If-None-Match's weak comparison (RFC 9110 13.1.2): `*`, or any listed tag equal to ours ignoring W/. */
export function matches(ifNoneMatch: string, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  for (const tag of ifNoneMatch.split(',')) {
    const candidate = tag.trim();
    if (candidate === etag || candidate === `W/${etag}`) return true;
  }
  return false;
}

/** A strong validator for exactly these bytes. */
export function strongEtag(bytes: Buffer): string {
  return `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`;
}
