import assert from 'node:assert/strict';
import Router from '@koa/router';
import { describe, it } from 'vitest';
import { mayMatch } from './route-guard.ts';

const noop = () => {};

function routers(): Router[] {
  const operations = new Router();
  operations.get('/healthz', noop).get('/readyz', noop).get('/metrics', noop);
  const assets = new Router();
  assets.get('/assets/:file', noop);
  const interaction = new Router({ prefix: '/interaction/:uid' });
  interaction.get('/', noop).post('/login', noop).get('/mfa/:page', noop);
  const admin = new Router({ prefix: '/admin' });
  admin.use(noop).get('/', noop).get('/users/:id', noop).post('/users/:id/disable', noop);
  const portal = new Router();
  portal.get('/', noop).get('/portal', noop).get('/portal/{:section}', noop).get('/register', noop);
  return [operations, assets, interaction, admin, portal];
}

const PATHS = [
  '/healthz',
  '/healthz/',
  '/HEALTHZ',
  '/readyz',
  '/metrics',
  '/assets/admit.css',
  '/assets/',
  '/interaction/abc',
  '/interaction/abc/',
  '/interaction/abc/login',
  '/interaction/abc/mfa/app-verify',
  '/Interaction/abc/login',
  '/admin',
  '/admin/',
  '/admin/users/u1',
  '/admin/users/u1/disable',
  '/ADMIN/users/u1',
  '/administrator',
  '/portal',
  '/portal/',
  '/portal/profile',
  '/register',
  '/register/',
  '/token',
  '/me',
  '/auth',
  '/auth/abc',
  '/jwks',
  '/token/introspection',
  '/.well-known/openid-configuration',
  '/session/end',
  '/',
  '',
  '/assets%2Fadmit.css',
  '/interaction/a%20b/login',
];
const METHODS = ['GET', 'POST', 'HEAD'];

describe('route guard in front of router.match', () => {
  it('never turns away a path the router would have matched', () => {
    for (const router of routers()) {
      const maybe = mayMatch(router);
      for (const path of PATHS) {
        for (const method of METHODS) {
          if (router.match(path, method).route) assert.ok(maybe(path), `${method} ${path} matches but the guard refused it`);
        }
      }
    }
  });

  it("turns away oidc-provider's paths for every admit-style router", () => {
    for (const router of routers()) {
      const maybe = mayMatch(router);
      for (const path of ['/token', '/me', '/auth', '/jwks', '/token/introspection', '/.well-known/openid-configuration']) {
        assert.equal(maybe(path), false, path);
      }
    }
  });

  it('matches an all-literal route to its one path, so a home page at "/" does not say "maybe" to everything', () => {
    const home = new Router();
    home.get('/', noop).get('/portal', noop);
    const maybe = mayMatch(home);
    assert.equal(maybe('/'), true);
    assert.equal(maybe('/portal/'), true);
    assert.equal(maybe('/token'), false);
    assert.equal(maybe('/portal/profile'), false);
  });

  it('says "maybe" to everything when a route starts with a parameter or is a regular expression', () => {
    const byParam = new Router();
    byParam.get('/:anything', noop);
    assert.equal(mayMatch(byParam)('/token'), true);
    const byRegExp = new Router();
    byRegExp.get(/^\/x/, noop);
    assert.equal(mayMatch(byRegExp)('/token'), true);
  });

  it('leaves encoded paths to the full match', () => {
    const [, assets] = routers();
    assert.equal(mayMatch(assets!)('/%61ssets/x'), true);
  });
});
