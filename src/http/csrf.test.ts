import assert from 'node:assert/strict';
import { bodyParser } from '@koa/bodyparser';
import Koa from 'koa';
import { describe, it } from 'vitest';
import { useCookiePolicy } from '../lib/cookies.ts';
import { createCsrf } from './csrf.ts';

async function serve(app: Koa): Promise<{ url: string; close(): void }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, close: () => server.close() };
}

describe('CSRF protection', () => {
  const csrf = createCsrf({ key: 'k'.repeat(43) });
  const app = new Koa({ keys: ['c'.repeat(32)] });
  useCookiePolicy(app, 'http://localhost:3000');
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      ctx.status = (error as { status: number }).status;
      ctx.body = (error as Error).message;
    }
  });
  app.use(bodyParser({ enableTypes: ['form'] }));
  app.use(async (ctx, next) => {
    if (ctx.method === 'GET') ctx.body = csrf.token(ctx);
    else await next();
  });
  app.use(csrf.verify);
  app.use((ctx) => {
    ctx.body = 'changed';
  });

  it('accepts the token issued with the cookie, and refuses a missing, forged or cross-browser token', async () => {
    const { url, close } = await serve(app);
    try {
      const first = await fetch(url);
      const cookie = first.headers.getSetCookie()[0]!.split(';')[0]!;
      const token = await first.text();
      const post = (headers: Record<string, string>, body: string) =>
        fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });

      assert.equal((await post({ cookie }, `_csrf=${token}`)).status, 200);
      assert.equal((await post({ cookie }, '')).status, 403, 'missing token');
      assert.equal((await post({ cookie }, `_csrf=${token.slice(0, -2)}xx`)).status, 403, 'forged token');
      assert.equal((await post({}, `_csrf=${token}`)).status, 403, 'token without its cookie');
      const other = (await fetch(url)).headers.getSetCookie()[0]!.split(';')[0]!;
      assert.equal((await post({ cookie: other }, `_csrf=${token}`)).status, 403, 'token of another browser');
      assert.equal((await post({ cookie }, `_csrf=${token}&_csrf=${token}`)).status, 403, 'an array is not a token');
    } finally {
      close();
    }
  });
});
