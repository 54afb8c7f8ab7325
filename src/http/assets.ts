import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Router from '@koa/router';

/** Serves the few static files (one stylesheet) from memory with an ETag. */
export function assetRoutes({ publicDir }: { publicDir: string }): Router {
  const router = new Router();
  const files = [
    { path: '/assets/admit.css', file: 'admit.css', type: 'text/css; charset=utf-8' },
    // Security keys on the MFA pages (WebAuthn in the browser).
    { path: '/assets/mfa-webauthn.js', file: 'mfa-webauthn.js', type: 'text/javascript; charset=utf-8' },
    // Progressive enhancement of the forms: show/hide a password, the password rules marked while typing.
    { path: '/assets/admit-forms.js', file: 'admit-forms.js', type: 'text/javascript; charset=utf-8' },
  ];
  for (const asset of files) {
    const body = readFileSync(join(publicDir, asset.file));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`;
    router.get(asset.path, (ctx) => {
      ctx.set('cache-control', 'public, max-age=3600');
      ctx.set('etag', etag);
      if (ctx.get('if-none-match') === etag) {
        ctx.status = 304;
        return;
      }
      ctx.type = asset.type;
      ctx.body = body;
    });
  }
  return router;
}
