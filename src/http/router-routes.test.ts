import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import Router from '@koa/router';
import { describe, it } from 'vitest';
import { routeShapes, WRITTEN_FOR_KOA_ROUTER } from './router-routes.ts';

describe("the @koa/router adapter (the route guard's one view of a router)", () => {
  it('was written for the installed @koa/router: an upgrade means reading Router#stack and Layer#opts again', () => {
    const installed = JSON.parse(readFileSync(new URL('../../node_modules/@koa/router/package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(installed.version, WRITTEN_FOR_KOA_ROUTER);
  });

  it("reads each entry's path (prefix included), whether it is a route, exact, or a regular expression", () => {
    const noop = () => {};
    const router = new Router({ prefix: '/admin' });
    router.use(noop).get('/', noop).post('/users/:id', noop).get(/^\/x/, noop);
    const loose = new Router();
    loose.get('/open', noop);
    const nested = new Router();
    nested.use('/area', loose.routes());
    const shapes = routeShapes(router);
    assert.deepEqual(
      shapes.filter((shape) => shape.isRoute).map((shape) => [String(shape.path), shape.exact, shape.pathIsRegExp]),
      [
        ['/admin', true, false],
        ['/admin/users/:id', true, false],
        ['/^\\/x/', true, true],
      ],
    );
    assert.equal(
      shapes.some((shape) => !shape.isRoute),
      true,
      'router.use middleware is listed, not as a route',
    );
    assert.deepEqual(
      routeShapes(nested)
        .filter((shape) => shape.isRoute)
        .map((shape) => shape.path),
      ['/area/open'],
    );
  });
});
