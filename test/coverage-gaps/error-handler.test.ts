// The one error path of admit's own routes, on a real Koa app with the real
// views: each kind of failure gets its status, heading and catalogue message,
// as a page or as JSON by Accept, and never its cause.

import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import Koa from 'koa';
import { errors as oidcErrors } from 'oidc-provider';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { AppError } from '../../src/errors/app-error.ts';
import { messages } from '../../src/errors/messages.ts';
import { errorHandler, toAppError } from '../../src/http/error-handler.ts';
import { createRenderer } from '../../src/http/render.ts';
import { StoreUnavailableError } from '../../src/store/port.ts';

const withStatus = (status: number) => Object.assign(new Error(`secret cause ${status}`), { status });

describe('toAppError', () => {
  it('maps each kind of failure to its code and status, keeping the cause', () => {
    const cases: [unknown, string, number][] = [
      [new AppError('wrong_code', 400), 'wrong_code', 400],
      [new oidcErrors.SessionNotFound('gone'), 'interaction_expired', 400],
      [new StoreUnavailableError('redis is down'), 'store_unavailable', 503],
      [withStatus(413), 'payload_too_large', 413],
      [withStatus(415), 'invalid_form', 400],
      [withStatus(400), 'invalid_form', 400],
      [withStatus(405), 'method_not_allowed', 405],
      [withStatus(418), 'internal', 500],
      [new Error('boom'), 'internal', 500],
      ['a thrown string', 'internal', 500],
    ];
    for (const [caught, code, status] of cases) {
      const error = toAppError(caught);
      assert.equal(error.code, code, String(caught));
      assert.equal(error.status, status, String(caught));
      if (!(caught instanceof AppError)) assert.equal(error.cause, caught);
    }
  });
});

describe('errorHandler', () => {
  let server: Server;
  let base: string;
  const logged: { level: string; entry: unknown }[] = [];

  beforeAll(async () => {
    const render = createRenderer({ viewsDir: fileURLToPath(new URL('../../views', import.meta.url)), cache: false });
    const app = new Koa();
    app.use(async (ctx, next) => {
      ctx.state.requestId = 'req-1';
      ctx.state.log = { error: (entry: unknown) => logged.push({ level: 'error', entry }), info: (entry: unknown) => logged.push({ level: 'info', entry }) };
      await next();
    });
    app.use(errorHandler(render));
    app.use(async (ctx) => {
      switch (ctx.path) {
        case '/ok':
          ctx.body = 'fine';
          return;
        case '/empty-404':
          return;
        case '/store':
          throw new StoreUnavailableError('redis at 10.0.0.5 is down');
        case '/expired':
          throw new oidcErrors.SessionNotFound('interaction session not found');
        case '/directory':
          throw new AppError('directory_unavailable', 503);
        case '/hidden':
          throw new AppError('wrong_code', 500);
        case '/refused':
          throw new AppError('wrong_code', 400);
        default:
          throw new Error('database password is hunter2');
      }
    });
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const get = (path: string, accept = 'text/html') => fetch(`${base}${path}`, { headers: { accept } });

  it('passes a handled request through', async () => {
    const response = await get('/ok');
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'fine');
  });

  it('answers a route that set nothing with the not-found page', async () => {
    const response = await get('/empty-404');
    assert.equal(response.status, 404);
    const html = await response.text();
    assert.match(html, /Page not found/);
  });

  it('says "temporarily unavailable" for a store outage, asks to retry in 5 s, and logs it as an error', async () => {
    logged.length = 0;
    const response = await get('/store');
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('retry-after'), '5');
    const html = await response.text();
    assert.match(html, /Temporarily unavailable/);
    assert.doesNotMatch(html, /10\.0\.0\.5/);
    assert.equal(logged[0]?.level, 'error');
  });

  it('gives each known failure its heading; any other gets a generic one', async () => {
    assert.match(await (await get('/expired')).text(), /Start the sign-in again/);
    assert.match(await (await get('/directory')).text(), /Directory unavailable/);
    const refused = await get('/refused');
    assert.equal(refused.status, 400);
    assert.match(await refused.text(), /This did not work/);
    logged.length = 0;
    const failed = await get('/anything');
    assert.equal(failed.status, 500);
    const html = await failed.text();
    assert.match(html, /Something went wrong/);
    assert.doesNotMatch(html, /hunter2/);
    assert.equal(logged[0]?.level, 'error');
  });

  it('answers JSON to a client that asks for it, with the catalogue message only and the request id', async () => {
    const refused = await get('/refused', 'application/json');
    assert.deepEqual(await refused.json(), { error: 'wrong_code', error_description: messages.wrong_code, request_id: 'req-1' });
    // A failure that is not to be shown says the generic message, not its own.
    const hidden = await get('/hidden', 'application/json');
    assert.equal(hidden.status, 500);
    assert.deepEqual(await hidden.json(), { error: 'wrong_code', error_description: messages.internal, request_id: 'req-1' });
  });
});
