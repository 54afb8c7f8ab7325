import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Koa from 'koa';
import { describe, it } from 'vitest';
import { clearCookie, isHttpsIssuer, providerCookieOptions, setCookie, useCookiePolicy } from './cookies.ts';

/** One request through a Koa app that sets cookies with the helper; returns the Set-Cookie lines (or the error text). */
async function answer(issuer: string | undefined, use: (ctx: Koa.Context) => void, headers: Record<string, string> = {}, proxy = false): Promise<string[]> {
  const app = new Koa({ keys: ['k'.repeat(32)], proxy });
  if (issuer) useCookiePolicy(app, issuer);
  app.use((ctx) => {
    try {
      use(ctx);
      ctx.body = 'ok';
    } catch (error) {
      ctx.status = 500;
      ctx.body = (error as Error).message;
    }
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const { port } = server.address() as { port: number };
    const response = await fetch(`http://127.0.0.1:${port}/`, { headers });
    if (response.status === 500) throw new Error(await response.text());
    return response.headers.getSetCookie();
  } finally {
    server.close();
  }
}

const named = (lines: string[], name: string) => lines.find((line) => line.startsWith(`${name}=`));

describe('the cookie helper', () => {
  it('over an https issuer: Secure, HttpOnly, SameSite=Lax, Path=/, signed, even when the request arrived as plain http', async () => {
    const lines = await answer('https://login.example.com', (ctx) => setCookie(ctx, 'admit.test', 'v', { maxAge: 60_000 }));
    for (const name of ['admit.test', 'admit.test.sig']) {
      const line = named(lines, name);
      assert.ok(line, `${name} in ${lines.join(' | ')}`);
      assert.match(line, /; path=\/;/);
      assert.match(line, /; expires=/);
      assert.match(line, /; secure/);
      assert.match(line, /; samesite=lax/);
      assert.match(line, /; httponly/);
    }
  });

  it('over an https issuer behind a trusted proxy that says https: the same attributes', async () => {
    const lines = await answer('https://login.example.com', (ctx) => setCookie(ctx, 'admit.test', 'v'), { 'x-forwarded-proto': 'https' }, true);
    assert.match(named(lines, 'admit.test') ?? '', /; secure/);
    assert.doesNotMatch(named(lines, 'admit.test') ?? '', /expires=/, 'no maxAge: a browser-session cookie');
  });

  it('over an http issuer (local development): no Secure flag, even when a trusted proxy says https', async () => {
    for (const headers of [{}, { 'x-forwarded-proto': 'https' }] as Record<string, string>[]) {
      const lines = await answer('http://localhost:3000', (ctx) => setCookie(ctx, 'admit.test', 'v'), headers, true);
      const line = named(lines, 'admit.test');
      assert.ok(line && !/secure/.test(line), lines.join(' | '));
      assert.match(line, /; samesite=lax; httponly/);
    }
  });

  it('narrows the path, leaves a value unsigned when told, and clears with the same path and flags', async () => {
    const lines = await answer('https://login.example.com', (ctx) => {
      setCookie(ctx, 'admit.narrow', 'v', { path: '/admin' });
      setCookie(ctx, 'admit.plain', 'v', { signed: false });
      clearCookie(ctx, 'admit.gone', { path: '/register' });
    });
    assert.match(named(lines, 'admit.narrow') ?? '', /; path=\/admin;/);
    assert.ok(named(lines, 'admit.narrow.sig'));
    assert.ok(named(lines, 'admit.plain') && !named(lines, 'admit.plain.sig'), lines.join(' | '));
    assert.match(named(lines, 'admit.gone') ?? '', /^admit\.gone=;/, 'the value is emptied');
    for (const name of ['admit.gone', 'admit.gone.sig']) {
      const line = named(lines, name) ?? '';
      assert.match(line, /^[^=]+=[^;]*; path=\/register; expires=Thu, 01 Jan 1970 00:00:00 GMT; samesite=lax; secure; httponly$/, line);
    }
  });

  it('replaces a cookie set twice in one answer instead of sending two', async () => {
    const lines = await answer('http://localhost:3000', (ctx) => {
      setCookie(ctx, 'admit.twice', 'first');
      setCookie(ctx, 'admit.twice', 'second');
    });
    assert.deepEqual(
      lines.filter((line) => line.startsWith('admit.twice=')).map((line) => line.split(';')[0]),
      ['admit.twice=second'],
    );
  });

  it('refuses to set a cookie on an app without a policy rather than guess from the request', async () => {
    await assert.rejects(
      answer(undefined, (ctx) => setCookie(ctx, 'admit.test', 'v')),
      /no cookie policy on this app/,
    );
  });

  it('is the only place in admit that sets a cookie', () => {
    const src = new URL('..', import.meta.url).pathname;
    const setters = (readdirSync(src, { recursive: true }) as string[])
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && file !== join('lib', 'cookies.ts'))
      .filter((file) => /cookies\.set\(|cookies\.secure\s*=/.test(readFileSync(join(src, file), 'utf8')));
    assert.deepEqual(setters, []);
  });

  it("gives oidc-provider's cookies the same attributes", () => {
    assert.deepEqual(providerCookieOptions('https://login.example.com'), { signed: true, httpOnly: true, sameSite: 'lax', secure: true });
    assert.deepEqual(providerCookieOptions('http://localhost:3000'), { signed: true, httpOnly: true, sameSite: 'lax', secure: false });
  });

  it("reads the issuer's scheme as a URL does, the one rule HSTS follows too", () => {
    assert.equal(isHttpsIssuer('https://login.example.com'), true);
    assert.equal(isHttpsIssuer('HTTPS://Login.Example.com/base'), true);
    assert.equal(isHttpsIssuer('http://localhost:3000'), false);
  });
});
