import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { RegistrationDeps } from './deps.ts';
import { invitationRoutes } from './invitation-pages.ts';
import { registerRoutes } from './register-pages.ts';

/** "User Registration" (/register) and invitation links (/invite). */
export function registrationRoutes(deps: RegistrationDeps): Router {
  const router = new Router();
  const form = [bodyParser({ enableTypes: ['form'], formLimit: '16kb' }), deps.csrf.verify];
  router.use(async (ctx: Context, next: Next) => {
    ctx.set('cache-control', 'no-store');
    await next();
  });
  registerRoutes(router, deps, form);
  invitationRoutes(router, deps, form);
  return router;
}
