import { request } from 'node:http';
import type { Context } from 'koa';

export type Redemption = { ok: true; tokens: Record<string, unknown> } | { ok: false; status: number; error: string };

/**
 * Redeems an authorization code at admit's own token endpoint, over HTTP to
 * the listener that received this request, as any client would. So every
 * rule of oidc-provider's authorization_code grant applies unchanged: client,
 * redirect URI, PKCE, expiry, one use, and on a replayed code the revocation
 * of everything issued under its grant (lib/helpers/grant_source.js). Calling
 * the endpoint instead of copying its checks is the point: a copy skips
 * whatever the provider adds next.
 */
export function redeemAtTokenEndpoint(ctx: Context, tokenPath: string, form: Record<string, string>): Promise<Redemption> {
  const { localAddress, localPort } = ctx.req.socket;
  if (!localAddress || !localPort) return Promise.resolve({ ok: false, status: 0, error: 'no_listener' });
  const body = new URLSearchParams(form).toString();
  // The same request id, so the log shows the redemption as part of the callback.
  const requestId = (ctx.state as { requestId?: string } | undefined)?.requestId;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        // The address the request arrived on is this process's listener (IPv4, IPv6 or v4-mapped alike).
        host: localAddress.replace(/^::ffff:(?=\d+\.)/, ''),
        port: localPort,
        path: tokenPath,
        method: 'POST',
        agent: false,
        timeout: 10_000,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          accept: 'application/json',
          ...(requestId ? { 'x-request-id': requestId } : {}),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          let parsed: Record<string, unknown> = {};
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
          } catch {
            // Not JSON: reported by status below.
          }
          if (status === 200 && typeof parsed.access_token === 'string') resolve({ ok: true, tokens: parsed });
          else resolve({ ok: false, status, error: typeof parsed.error === 'string' ? parsed.error : 'unexpected_response' });
        });
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error('the token endpoint did not answer in time')));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
