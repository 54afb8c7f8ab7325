import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import { changePasswordInput, showChangePassword, submitChangePassword } from './change-password.ts';
import type { PortalDeps } from './deps.ts';
import { manageDevices, showDevices } from './devices-page.ts';
import { showHome } from './home.ts';
import { portalRenderer } from './nav.ts';
import { showProfile, showVerify, submitProfile, submitVerify } from './profile.ts';
import { createRecoveryFlows } from './recovery/flow.ts';
import { recoveryRoutes } from './recovery/routes.ts';
import { removeDevice, showRemoveDevice } from './remove-device.ts';
import { forgetTrustedBrowser, showSessions, signOutEverywhere, signOutSession } from './sessions-page.ts';

/**
 * The self-service portal (seed: "Update Your Profile Efficiently"). Pages
 * for a signed-in user sit behind `requireUser`, which sends the browser
 * through admit's own sign-in first. Every page has the portal's navigation
 * bar (nav.ts) and remembers the application a link came from
 * (applications.ts) for its "Back to <application>".
 */
export function portalRoutes(base: PortalDeps): Router {
  const deps: PortalDeps = { ...base, render: portalRenderer(base) };
  const router = new Router();
  router.use(deps.auth.applications.remember);
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
  const post = [form, deps.csrf.verify] as const;
  const signedIn = deps.auth.requireUser;
  const channel = (value: string | undefined) => (value === 'sms' ? 'sms' : 'email') as 'email' | 'sms';

  router.get('/', (ctx) => {
    ctx.status = 302;
    ctx.redirect('/portal');
  });
  router.get('/portal', (ctx) => showHome(deps, ctx));
  router.get('/portal/callback', (ctx) => deps.auth.callback(ctx));
  router.get('/portal/sign-in', async (ctx) => {
    if (await deps.auth.currentUser(ctx)) return ctx.redirect('/portal');
    return deps.auth.startSignIn(ctx, '/portal');
  });
  router.post('/portal/sign-out', ...post, (ctx) => {
    ctx.status = 303;
    ctx.redirect(deps.auth.signOutUrl());
  });

  router.get('/portal/password', signedIn, (ctx) => showChangePassword(deps, ctx));
  const passwordInput = changePasswordInput(deps);
  router.post('/portal/password', signedIn, ...post, passwordInput, (ctx) => submitChangePassword(deps, ctx, passwordInput.input(ctx).body));
  router.get('/portal/profile', signedIn, (ctx) => showProfile(deps, ctx));
  router.post('/portal/profile', signedIn, ...post, (ctx) => submitProfile(deps, ctx));
  router.get('/portal/profile/verify/:channel', signedIn, (ctx) => showVerify(deps, ctx, channel(ctx.params.channel)));
  router.post('/portal/profile/verify/:channel', signedIn, ...post, (ctx) => submitVerify(deps, ctx, channel(ctx.params.channel)));
  recoveryRoutes(router, { ...deps, flows: createRecoveryFlows({ store: deps.store }) }, post);
  router.get('/portal/devices', signedIn, (ctx) => showDevices(deps, ctx));
  router.post('/portal/devices/manage', signedIn, ...post, (ctx) => manageDevices(deps, ctx));
  router.get('/portal/devices/:id/remove', signedIn, (ctx) => showRemoveDevice(deps, ctx, ctx.params.id ?? ''));
  router.post('/portal/devices/:id/remove', signedIn, ...post, (ctx) => removeDevice(deps, ctx, ctx.params.id ?? ''));
  router.get('/portal/sessions', signedIn, (ctx) => showSessions(deps, ctx));
  router.post('/portal/sessions/sign-out-everywhere', signedIn, ...post, (ctx) => signOutEverywhere(deps, ctx));
  router.post('/portal/sessions/:id/sign-out', signedIn, ...post, (ctx) => signOutSession(deps, ctx, ctx.params.id ?? ''));
  router.post('/portal/trusted-browsers/:id/forget', signedIn, ...post, (ctx) => forgetTrustedBrowser(deps, ctx, ctx.params.id ?? ''));

  return router;
}
