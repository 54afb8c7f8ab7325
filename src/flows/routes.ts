import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import { showConsent, submitConsent } from './consent/consent.ts';
import { continueSignIn } from './continue-sign-in.ts';
import type { FlowDeps } from './deps.ts';
import { addFederatedInteractionRoutes, federatedCallbackRoutes } from './federated/routes.ts';
import { type LoginFlash, showLogin } from './login/show-login.ts';
import { submitLogin } from './login/submit-login.ts';
import { stepGuard, stepUrl } from './sequencer.ts';
import { readSignInState } from './sign-in-state.ts';

/**
 * The sign-in interaction pages. oidc-provider sends the browser to
 * /interaction/:uid when it needs the user; each step ends by handing a
 * result back with interactionFinished.
 */
export function interactionRoutes(deps: FlowDeps): Router {
  const router = new Router({ prefix: '/interaction/:uid' });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
  const noStore = async (ctx: Context, next: () => Promise<unknown>) => {
    ctx.set('cache-control', 'no-store');
    await next();
  };

  router.get('/', noStore, async (ctx) => {
    const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
    if (details.prompt.name === 'consent') return showConsent(deps, ctx, details);
    // Back on the start page mid-way (reload, back button): resume at the current step.
    const state = readSignInState(details);
    if (state?.current) {
      ctx.status = 303;
      return ctx.redirect(stepUrl(details.uid, state.current));
    }
    if (state) return continueSignIn(deps, ctx, details.uid, state);
    const client = await deps.provider.Client.find(String(details.params.client_id));
    const hint = details.params.login_hint;
    // A refused sign-in post: its message once, with its status (a reload shows the form again).
    const flash = (details.result as { loginFlash?: LoginFlash } | undefined)?.loginFlash;
    if (flash) {
      await deps.provider.interactionResult(ctx.req, ctx.res, { loginFlash: undefined }, { mergeWithLastSubmission: true });
      ctx.status = flash.status;
    }
    await showLogin(deps, ctx, {
      uid: details.uid,
      clientName: client?.clientName ?? client?.clientId,
      username: flash?.username ?? (typeof hint === 'string' ? hint.slice(0, 256) : undefined),
      site: flash?.site,
      error: flash?.error,
    });
  });

  // Only the current step's pages answer; every other step's URL redirects to it (sequencer.ts).
  router.use(stepGuard(deps));
  router.post('/login', noStore, form, deps.csrf.verify, (ctx) => submitLogin(deps, ctx));
  addFederatedInteractionRoutes(router, deps);
  for (const step of deps.steps) step.routes(router, deps);
  router.post('/consent', noStore, form, deps.csrf.verify, (ctx) => submitConsent(deps, ctx));
  router.post('/abort', noStore, form, deps.csrf.verify, async (ctx) => {
    // Cancel undoes what the sign-in had not finished (a device still being set up), then tells the application.
    const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
    const state = readSignInState(details);
    if (state) for (const step of deps.steps) await step.abandon?.(ctx, state);
    await deps.provider.interactionFinished(
      ctx.req,
      ctx.res,
      {
        error: 'access_denied',
        error_description: 'End-User aborted interaction',
      },
      { mergeWithLastSubmission: false },
    );
  });

  // Microsoft's redirect back (/federated/:kind/:site/callback) cannot carry the interaction in its path.
  const all = new Router();
  all.use(router.routes());
  all.use(federatedCallbackRoutes(deps).routes());
  return all;
}
