import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type { FlowDeps } from '../deps.ts';
import { handleCallback } from './callback.ts';
import { finishFederated } from './finish.ts';
import { submitFederated } from './start.ts';

const noStore = async (ctx: Context, next: Next) => {
  ctx.set('cache-control', 'no-store');
  await next();
};

/**
 * Sign-in at an upstream identity provider (Microsoft Entra ID), inside the
 * interaction: "Sign in with Microsoft" (POST /federated, CSRF-protected)
 * and the finish after the callback (GET /federated/finish). `router` is the
 * interaction router (prefix /interaction/:uid).
 */
export function addFederatedInteractionRoutes(router: Router, deps: FlowDeps): void {
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
  router.post('/federated', noStore, form, deps.csrf.verify, (ctx) => submitFederated(deps, ctx));
  router.get('/federated/finish', noStore, (ctx) => finishFederated(deps, ctx));
}

/**
 * The redirect URI Microsoft sends the browser back to, one per site
 * (GET /federated/:kind/:site/callback). A GET by necessity: the browser
 * arrives by Microsoft's redirect; the round trip's state and browser binding
 * stand in for the CSRF token.
 */
export function federatedCallbackRoutes(deps: FlowDeps): Router {
  const router = new Router();
  router.get('/federated/:kind/:site/callback', noStore, (ctx) => handleCallback(deps, ctx));
  return router;
}
