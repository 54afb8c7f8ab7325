import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';
import { messages } from '../errors/messages.ts';
import { guard, type InputRefusal } from './route-input.ts';

describe('route input guard', () => {
  let server: Server;
  let origin = '';
  const reached: string[] = [];
  let lastRefusal: InputRefusal | undefined;

  beforeAll(async () => {
    const router = new Router();
    const form = guard({
      body: z.object({ email: z.email({ message: 'invalid_email' }), name: z.string().max(5, { message: 'field_too_long' }).optional() }),
      invalid: (ctx, refusal) => {
        lastRefusal = refusal;
        ctx.status = 422;
        ctx.body = { shown: refusal.message, echo: { ...refusal.echo } };
      },
    });
    router.post('/form', bodyParser({ enableTypes: ['form', 'json'] }), form, (ctx) => {
      reached.push('form');
      ctx.body = form.input(ctx).body;
    });
    const lookup = guard({ query: z.object({ page: z.coerce.number().int().min(1) }), params: z.object({ id: z.string().regex(/^u\d+$/) }) });
    router.get('/users/:id', lookup, (ctx) => {
      reached.push('lookup');
      const { query, params } = lookup.input(ctx);
      ctx.body = { page: query.page, id: params.id };
    });
    const unread = guard({ body: z.object({}) });
    router.get('/unguarded', (ctx) => {
      ctx.body = { value: unread.input(ctx) };
    });
    const app = new Koa();
    app.use(async (ctx, next) => {
      try {
        await next();
      } catch (error) {
        const known = error instanceof AppError;
        ctx.status = known ? error.status : 500;
        ctx.body = { code: known ? error.code : 'internal', message: (error as Error).message };
      }
    });
    app.use(router.routes());
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const post = (body: string, type = 'application/x-www-form-urlencoded') =>
    fetch(`${origin}/form`, { method: 'POST', headers: { 'content-type': type }, body });

  it('hands the handler the parsed body, query and params', async () => {
    assert.deepEqual(await (await post('email=ann%40example.com&name=Ann&extra=dropped')).json(), { email: 'ann@example.com', name: 'Ann' });
    assert.deepEqual(await (await fetch(`${origin}/users/u7?page=3`)).json(), { page: 3, id: 'u7' });
  });

  it("refuses with the first issue's catalogue message, through the route's own answer, echoing the fields; the handler is not reached", async () => {
    reached.length = 0;
    const response = await post('email=nope&name=Ann');
    assert.equal(response.status, 422);
    assert.deepEqual(await response.json(), { shown: messages.invalid_email, echo: { email: 'nope', name: 'Ann' } });
    assert.equal(lastRefusal?.code, 'invalid_email');
    assert.equal(lastRefusal?.issue, 'invalid_email');
    const tooLong = (await (await post('email=ann%40example.com&name=Annabel')).json()) as { shown: string };
    assert.equal(tooLong.shown, messages.field_too_long);
    assert.deepEqual(reached, []);
  });

  it('answers 400 by default, with invalid_form when the issue is not a catalogue key', async () => {
    reached.length = 0;
    const badParam = await fetch(`${origin}/users/admin?page=1`);
    assert.equal(badParam.status, 400);
    assert.deepEqual(await badParam.json(), { code: 'invalid_form', message: messages.invalid_form });
    const badQuery = await fetch(`${origin}/users/u1?page=0`);
    assert.equal(badQuery.status, 400);
    assert.deepEqual(reached, []);
  });

  it('echoes fields named like Object.prototype members as fields, setting no prototype', async () => {
    // A multipart form (admin/multipart.ts) carries any field name; @koa/bodyparser drops or refuses these.
    const body = Object.assign(Object.create(null) as Record<string, string>, { email: 'x', constructor: 'c', toString: 't', hasOwnProperty: 'h' });
    Object.defineProperty(body, '__proto__', { value: 'p', enumerable: true });
    let refusal: InputRefusal | undefined;
    const check = guard({
      body: z.object({ email: z.email('Enter an email address, e.g. ann@example.com.') }),
      invalid: (_ctx, seen) => {
        refusal = seen;
      },
    });
    await check({ request: { body }, query: {} } as never, async () => assert.fail('the handler ran'));
    // A sentence that is not a catalogue key: the code is invalid_form, the sentence is the issue.
    assert.equal(refusal?.code, 'invalid_form');
    assert.equal(refusal?.issue, 'Enter an email address, e.g. ann@example.com.');
    assert.deepEqual(Object.entries(refusal!.echo), [
      ['email', 'x'],
      ['constructor', 'c'],
      ['toString', 't'],
      ['hasOwnProperty', 'h'],
      ['__proto__', 'p'],
    ]);
    assert.equal(Object.getPrototypeOf(refusal!.echo), null);
    assert.equal(({} as Record<string, unknown>).p, undefined);
  });

  it('reading the input of a route whose guard did not run is a programming error', async () => {
    const response = await fetch(`${origin}/unguarded`);
    assert.equal(response.status, 500);
    assert.match(((await response.json()) as { message: string }).message, /before its guard ran/);
  });
});
