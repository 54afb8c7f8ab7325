import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import type { Middleware } from 'koa';

/**
 * What every answer carries, JSON and redirects included (OWASP's headers
 * for REST answers): CSP (no framing), no MIME sniffing, no referrer (a
 * redirect's policy applies to the request it leads to), HSTS.
 */
const EVERY_ANSWER = new Set(['content-security-policy', 'x-content-type-options', 'x-frame-options', 'referrer-policy', 'strict-transport-security']);

/**
 * CSP without inline script or style, no framing, no referrer, HSTS when the
 * issuer is https. `form-action` is left out on purpose: browsers apply it to
 * the redirect that follows a form POST, which would block returning the user
 * to a relying application on another origin.
 *
 * Pages (HTML answers, oidc-provider's included) get all of helmet's headers;
 * other answers get those that mean something outside a document. The
 * document-only ones (cross-origin isolation, DNS prefetch, legacy IE and
 * Flash switches) cost every protocol request a dozen more headers to set,
 * copy and send, a measurable share of what admit adds to it.
 */
export function securityHeaders({ https }: { https: boolean }): Middleware {
  const headers = helmetHeaders({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'font-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'none'"],
        'frame-ancestors': ["'none'"],
      },
    },
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false,
  });
  const always = headers.filter(([name]) => EVERY_ANSWER.has(name.toLowerCase()));
  const pagesOnly = headers.filter(([name]) => !EVERY_ANSWER.has(name.toLowerCase()));
  return async (ctx, next) => {
    setAll(ctx.res, always);
    await next();
    const type = ctx.res.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('text/html') && !ctx.headerSent) setAll(ctx.res, pagesOnly);
  };
}

function setAll(res: ServerResponse, headers: readonly [string, string][]): void {
  for (let i = 0; i < headers.length; i += 1) res.setHeader(headers[i]![0], headers[i]![1]);
}

/**
 * The headers helmet sets for these options, taken once: with no per-request
 * directive (no nonce), helmet sets the same headers on every response, and
 * running its middleware chain (and building the CSP string) per request
 * was a measurable part of every protocol request's cost.
 */
export function helmetHeaders(options: HelmetOptions): [string, string][] {
  const headers: [string, string][] = [];
  const recorder = {
    setHeader(name: string, value: string | number) {
      headers.push([name, String(value)]);
    },
    // helmet removes X-Powered-By, which Koa never sets.
    removeHeader() {},
  };
  let finished = false;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error) => {
    if (error) throw error;
    finished = true;
  });
  if (!finished) throw new Error('helmet did not set its headers synchronously');
  return headers;
}
