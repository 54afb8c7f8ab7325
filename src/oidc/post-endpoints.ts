import type { Context, Next } from 'koa';

/**
 * The form becomes a URL, and Node reads at most 16 KB of request line and
 * headers: a larger form would fail at the GET, so it is refused here.
 */
const LIMIT = 8 * 1024;

/**
 * The authorization endpoint (OIDC Core 3.1.2.1) and the logout endpoint
 * (RP-Initiated Logout 1.0, 2) accept POST with form-serialized parameters.
 *
 * oidc-provider's own `enableHttpPostMethods` refuses to start unless its
 * session cookie is `SameSite=None`, and admit's cookies are `Lax`
 * (lib/cookies.ts). With Lax, a cross-site POST arrives without the session
 * cookie: a signed-in user would be asked for a password again and
 * `prompt=none` would answer `login_required`. So the POST is answered with
 * 303 See Other to the same endpoint with the form's parameters as the query;
 * the browser's GET is a top-level navigation, which carries Lax cookies, and
 * oidc-provider validates the request as it validates every GET.
 */
export function postAsGet(paths: readonly string[]) {
  const accepted = new Set(paths);
  return async (ctx: Context, next: Next) => {
    if (ctx.method !== 'POST' || !accepted.has(ctx.path) || !ctx.is('application/x-www-form-urlencoded')) return next();
    let body: string;
    try {
      body = await readForm(ctx);
    } catch {
      ctx.status = 413;
      ctx.body = { error: 'invalid_request', error_description: `the form is larger than ${LIMIT} bytes; use a pushed authorization request (/request)` };
      return;
    }
    const params = new URLSearchParams(body);
    ctx.set('cache-control', 'no-store');
    ctx.status = 303;
    ctx.redirect(`${ctx.path}?${params.toString()}`);
  };
}

async function readForm(ctx: Context): Promise<string> {
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of ctx.req) {
    received += (chunk as Buffer).length;
    if (received > LIMIT) throw new Error('request entity too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
