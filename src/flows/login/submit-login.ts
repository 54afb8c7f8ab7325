import type { Context } from 'koa';
import { AppError } from '../../errors/app-error.ts';
import type { MessageCode } from '../../errors/messages.ts';
import { guard } from '../../http/route-input.ts';
import { continueSignIn } from '../continue-sign-in.ts';
import type { FlowDeps } from '../deps.ts';
import { domainOf, federatedSiteForLogin } from '../federated/home-realm.ts';
import { startFederatedSignIn } from '../federated/start.ts';
import { type LoginForm, loginForm } from './login-form.ts';
import type { LoginFlash } from './show-login.ts';

/**
 * The first factor: user name and password checked by the chosen site's
 * directory. Wrong user, wrong password and wrong site all get one message.
 */
export async function submitLogin(deps: FlowDeps, ctx: Context): Promise<void> {
  const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
  if (details.prompt.name !== 'login') throw new AppError('interaction_expired', 400);
  const uid = details.uid;
  const clientName = await clientNameOf(deps, String(details.params.client_id));
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const echo = {
    uid,
    clientName,
    username: typeof body.username === 'string' ? body.username.slice(0, 256) : '',
    site: typeof body.site === 'string' ? body.site : undefined,
  };

  // Post/redirect/get, as every step: what went wrong waits in the interaction for the one
  // sign-in page view it redirects to, so a reload or Back never posts the password again.
  const refuse = async (status: number, error: MessageCode) => {
    const loginFlash: LoginFlash = { status, error, username: echo.username, site: echo.site };
    await deps.provider.interactionResult(ctx.req, ctx.res, { loginFlash }, { mergeWithLastSubmission: true });
    ctx.status = 303;
    ctx.redirect(`/interaction/${uid}`);
  };

  // A federated site signs in at Microsoft (home-realm discovery: an email typed without a password finds its site).
  const federatedSite = federatedSiteForLogin(deps.sites, body);
  if (federatedSite)
    return startFederatedSignIn(deps, ctx, { uid, site: federatedSite, loginHint: domainOf(echo.username) ? echo.username.trim() : undefined });

  // The form's guard answers after the interaction and home-realm checks (an email alone is a valid federated start).
  const input = guard({ body: loginForm, invalid: (_ctx, refusal) => refuse(400, refusal.code) });
  return input(ctx, () => checkPassword(deps, ctx, uid, refuse, input.input(ctx).body)) as Promise<void>;
}

type Refuse = (status: number, error: MessageCode) => Promise<void>;

async function checkPassword(deps: FlowDeps, ctx: Context, uid: string, refuse: Refuse, form: LoginForm): Promise<void> {
  const { username, password, site: siteId } = form;
  const site = deps.sites.get(siteId);
  if (!site) return refuse(400, 'unknown_site');

  // Counted before the password is checked (the lockout service, on the canonical user name),
  // so parallel guesses and look-alike spellings cannot slip in under the limit.
  const policy = site.config.signIn;
  const attempt = await deps.lockout.passwordAttempt({ siteId, username, ip: ctx.ip });
  const throttled = async () => {
    deps.audit.record(ctx, { action: 'sign_in', outcome: 'throttled', site: siteId, username });
    deps.metrics.signIns.inc({ site: siteId, outcome: 'throttled' });
    return refuse(429, 'too_many_attempts');
  };
  if (attempt.refused) return throttled();

  const outcome = await site.connector.verifyPassword({ username, password });
  deps.metrics.signIns.inc({ site: siteId, outcome: outcome.status });
  deps.audit.record(ctx, { action: 'sign_in', outcome: outcome.status, site: siteId, username });

  switch (outcome.status) {
    case 'ok': {
      // The right password; still refused while the directory's account (any spelling of it) is locked.
      if (!(await attempt.succeeded(outcome.identity.username))) return throttled();
      // The approval gate: an invitation to redeem, a pending or denied request, a closed site.
      const admitted = await deps.admission.resolve(ctx, { siteId, directoryKind: site.connector.kind, identity: outcome.identity });
      if (admitted.status !== 'ok') return refuse(403, admitted.code);
      const { account } = admitted;
      // A first sign-in ends with "Change Password" (seed step 14); the flag is kept on the
      // account, so abandoning the sign-in does not skip it next time.
      // Recorded state (continueSignIn sets firstSignInAt), not timestamps; a password already
      // changed through admit (records from before firstSignInAt existed) counts as done.
      const firstSignIn = !account.firstSignInAt && !account.passwordChangedAt;
      if (firstSignIn && policy.changePasswordAtFirstSignIn && site.connector.changePassword) {
        await deps.accounts.save({ ...account, passwordChangeRequired: true });
        account.passwordChangeRequired = true;
      }
      const passwordChangeRequired = account.passwordChangeRequired === true;
      return continueSignIn(deps, ctx, uid, { siteId, username, accountId: account.id, amr: ['pwd'], passwordChangeRequired });
    }
    case 'invalid':
      // The wrong guess that reached the site's limit locks the user name: the moment the lock begins (sign_in.locked).
      if (attempt.lastAllowed)
        deps.audit.record(ctx, {
          action: 'sign_in.lock',
          outcome: 'locked',
          site: siteId,
          username,
          detail: { maxFailedAttempts: policy.maxFailedAttempts, windowSeconds: policy.failureWindowSeconds },
        });
      return refuse(401, 'invalid_credentials');
    case 'locked':
      return refuse(423, 'account_locked');
    case 'disabled':
      return refuse(403, 'account_disabled');
    case 'password_expired': {
      // The password was right; the directory wants a new one before anything else.
      if (!(await attempt.succeeded(outcome.identity?.username))) return throttled();
      const admitted = outcome.identity
        ? await deps.admission.resolve(ctx, { siteId, directoryKind: site.connector.kind, identity: outcome.identity })
        : undefined;
      if (admitted && admitted.status !== 'ok') return refuse(403, admitted.code);
      const account = admitted?.account;
      return continueSignIn(deps, ctx, uid, { siteId, username, accountId: account?.id ?? '', amr: ['pwd'], passwordChangeRequired: true });
    }
    case 'unavailable':
      // An outage of the directory is not a failed attempt.
      await attempt.notCounted();
      return refuse(503, 'directory_unavailable');
  }
}

async function clientNameOf(deps: FlowDeps, clientId: string): Promise<string | undefined> {
  const client = await deps.provider.Client.find(clientId);
  return client?.clientName ?? client?.clientId;
}
