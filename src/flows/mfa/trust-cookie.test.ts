import assert from 'node:assert/strict';
import Koa from 'koa';
import { describe, it } from 'vitest';
import { useCookiePolicy } from '../../lib/cookies.ts';
import { createTrustCookie } from './trust-cookie.ts';

/** Runs one request through a Koa app (its cookie code, its signing) and returns the Set-Cookie lines. */
async function setCookies(issuer: string, headers: Record<string, string> = {}, existing?: string): Promise<string[]> {
  const app = new Koa({ keys: ['k'.repeat(32)], proxy: true });
  useCookiePolicy(app, issuer);
  const cookie = createTrustCookie({ issuer });
  app.use((ctx) => {
    cookie.add(ctx, 'a'.repeat(43), 180);
    ctx.body = JSON.stringify(cookie.read(ctx));
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const { port } = server.address() as { port: number };
    const response = await fetch(`http://127.0.0.1:${port}/`, { headers: { ...headers, ...(existing ? { cookie: existing } : {}) } });
    return response.headers.getSetCookie();
  } finally {
    server.close();
  }
}

describe('the "Trust this browser" cookie', () => {
  it('is a signed __Host- cookie over https: Secure, HttpOnly, SameSite=Lax, Path=/, no Domain, 180 days', async () => {
    const lines = await setCookies('https://login.example.com', { 'x-forwarded-proto': 'https' });
    const main = lines.find((line) => line.startsWith('__Host-admit.trust='));
    assert.ok(main, lines.join('\n'));
    assert.match(main, /; path=\//);
    assert.match(main, /; secure/);
    assert.match(main, /; httponly/);
    assert.match(main, /; samesite=lax/);
    assert.match(main, /; expires=/);
    assert.doesNotMatch(main, /domain=/i);
    assert.ok(
      lines.some((line) => line.startsWith('__Host-admit.trust.sig=') && /secure/.test(line)),
      'the signature cookie is a __Host- cookie too',
    );
  });

  it('over https behind an untrusted proxy still sets Secure (the issuer says https)', async () => {
    const lines = await setCookies('https://login.example.com');
    assert.ok(
      lines.some((line) => line.startsWith('__Host-admit.trust=') && /secure/.test(line)),
      lines.join('\n'),
    );
  });

  it('has a plain name and no Secure flag in plain-http development', async () => {
    const lines = await setCookies('http://localhost:3000');
    const main = lines.find((line) => line.startsWith('admit.trust='));
    assert.ok(main && !/secure/.test(main), lines.join('\n'));
  });
});
