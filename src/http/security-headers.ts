import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';
import type { Middleware } from 'koa';

/**
 * CSP without inline script or style, no framing, no referrer, HSTS when the
 * issuer is https. `form-action` is left out on purpose: browsers apply it to
 * the redirect that follows a form POST, which would block returning the user
 * to a relying application on another origin.
 */
const contentSecurityPolicy: HelmetOptions['contentSecurityPolicy'] = {
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
};

/** The headers that mean something outside a document too, so every answer gets them. */
const everyAnswer = (https: boolean): HelmetOptions => ({
  contentSecurityPolicy,
  strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  referrerPolicy: { policy: 'no-referrer' },
  xContentTypeOptions: true,
  xFrameOptions: true,
  crossOriginEmbedderPolicy: false,
  crossOriginOpenerPolicy: false,
  crossOriginResourcePolicy: false,
  originAgentCluster: false,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
  // Koa never sets X-Powered-By.
  xPoweredBy: false,
});

/** helmet's remaining defaults: meaningful in a document only. */
const documentsOnly: HelmetOptions = {
  contentSecurityPolicy: false,
  strictTransportSecurity: false,
  referrerPolicy: false,
  xContentTypeOptions: false,
  xFrameOptions: false,
  crossOriginEmbedderPolicy: false,
  xPoweredBy: false,
};

/**
 * helmet as its README shows it, a (req, res, next) middleware, run on Koa's
 * req and res: every answer (JSON and redirects included, OWASP's headers for
 * REST answers) gets CSP, nosniff, no framing, no referrer, HSTS; pages (HTML
 * answers, oidc-provider's included) also get the document-only ones (cross-
 * origin isolation, DNS prefetch, legacy IE and Flash switches), which would
 * cost every protocol request a dozen more headers to set, copy and send.
 */
export function securityHeaders({ https }: { https: boolean }): Middleware {
  const always = helmet(everyAnswer(https));
  const pages = helmet(documentsOnly);
  return async (ctx, next) => {
    await run(always, ctx.req, ctx.res);
    await next();
    const type = ctx.res.getHeader('content-type');
    if (typeof type === 'string' && type.startsWith('text/html') && !ctx.headerSent) await run(pages, ctx.req, ctx.res);
  };
}

type ConnectStyle = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

function run(middleware: ConnectStyle, req: IncomingMessage, res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => middleware(req, res, (error) => (error ? reject(error) : resolve())));
}
