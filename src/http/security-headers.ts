import helmet from 'koa-helmet';
import type { Middleware } from 'koa';

/**
 * CSP without inline script or style, no framing, no referrer, HSTS when the
 * issuer is https. `form-action` is left out on purpose: browsers apply it to
 * the redirect that follows a form POST, which would block returning the user
 * to a relying application on another origin.
 */
export function securityHeaders({ https }: { https: boolean }): Middleware {
  return helmet({
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
  }) as unknown as Middleware;
}
