import type Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import { type MessageCode, messageText } from '../errors/messages.ts';
import { guard, type InputRefusal } from '../http/route-input.ts';
import { localeOf } from '../i18n/middleware.ts';
import { text } from '../i18n/text.ts';
import { type DirectoryIdentity, UsernameTakenError } from '../kit/connector.ts';
import type { PolicyRule } from '../services/password-policy/policy.ts';
import { storeKey } from '../store/port.ts';
import type { RegistrationDeps } from './deps.ts';
import { emailInUse } from './email-in-use.ts';
import { detailsForm, federatedDetailsForm } from './forms.ts';
import { redirect } from './redirect.ts';
import type { SignupFlow } from './signup-flow.ts';

type Problem = { status: number; error?: MessageCode; unmet?: PolicyRule[] };
type Details = { name: string; organisation: string; reason: string; username?: string; password?: string; confirmPassword?: string };

/** The flow a details post belongs to, found before its input is read (the form depends on the flow's site). */
const flows = new WeakMap<Context, { id: string; flow: SignupFlow }>();
const flowOf = (ctx: Context) => flows.get(ctx)!;

/** The details page: who you are and why, and the sign-in you will use (chosen, or your directory's). */
export async function showDetails(deps: RegistrationDeps, ctx: Context, problem?: Problem, values: Record<string, unknown> = {}): Promise<void> {
  const current = await deps.flows.current(ctx);
  if (!current?.flow.verified) return redirect(ctx, '/register');
  if (current.flow.requestId) return redirect(ctx, '/register/status');
  const site = deps.sites.get(current.flow.siteId)!;
  // A directory admit manages gets its user name and password chosen here; any other is signed in to.
  const choosesPassword = site.capabilities.managedUsers;
  const pass = site.federated ? passFor(deps, ctx, current.flow.siteId, site.connector.kind) : undefined;
  const unmet = new Set((problem?.unmet ?? []).map((rule) => rule.id));
  if (problem) ctx.status = problem.status;
  await deps.render(ctx, 'registration/details', {
    title: text('signin:login.registration'),
    email: current.flow.email,
    siteId: site.config.id,
    siteName: site.config.displayName,
    choosesPassword,
    federated: Boolean(site.federated),
    signedInAs: pass ? (pass.identity.email ?? pass.identity.username) : undefined,
    rules: choosesPassword
      ? deps
          .passwordRules(site.config.id)
          .rules()
          .map((rule) => ({ ...rule, unmet: unmet.has(rule.id) }))
      : [],
    values: { name: str(values.name), organisation: str(values.organisation), reason: str(values.reason), username: str(values.username) },
    csrfToken: deps.csrf.token(ctx),
    error: problem?.error ? messageText(problem.error) : undefined,
  });
}

const str = (value: unknown) => (typeof value === 'string' ? value.slice(0, 1000) : '');

/** The federated identity this browser proved for the site, if it still holds one. */
function passFor(deps: RegistrationDeps, ctx: Context, siteId: string, kind: string) {
  const pass = deps.signUpPass.read(ctx);
  return pass && pass.siteId === siteId && pass.kind === kind ? pass : undefined;
}

/**
 * The details page's routes. A post goes: the flow (verified, not sent yet),
 * then its input (a federated site's form has no sign-in fields), then
 * submitDetails.
 */
export function detailsRoute(router: Router, deps: RegistrationDeps, form: Middleware[]): void {
  const refuse = (ctx: Context, refusal: InputRefusal) =>
    showDetails(deps, ctx, { status: 400, error: refusal.code }, (ctx.request.body ?? {}) as Record<string, unknown>);
  const inputs = { signIn: guard({ body: detailsForm, invalid: refuse }), federated: guard({ body: federatedDetailsForm, invalid: refuse }) };
  const inputFor = (ctx: Context) => (deps.sites.get(flowOf(ctx).flow.siteId)!.federated ? inputs.federated : inputs.signIn);

  async function verifiedFlow(ctx: Context, next: Next) {
    const current = await deps.flows.current(ctx);
    if (!current?.flow.verified) return redirect(ctx, '/register');
    if (current.flow.requestId) return redirect(ctx, '/register/status');
    flows.set(ctx, current);
    await next();
  }

  router.get('/register/details', (ctx) => showDetails(deps, ctx));
  router.post(
    '/register/details',
    ...form,
    verifiedFlow,
    (ctx, next) => inputFor(ctx)(ctx, next),
    (ctx) => submitDetails(deps, ctx, inputFor(ctx).input(ctx).body as Details),
  );
}

/**
 * Sends the request: the account is made now, waiting (pending_approval),
 * bound to the sign-in the person proved (a new user in a directory admit
 * manages, or their directory account), so approval is all that is left.
 */
async function submitDetails(deps: RegistrationDeps, ctx: Context, input: Details): Promise<void> {
  const current = flowOf(ctx);
  const { flow } = current;
  const refuse = (problem: Problem) => showDetails(deps, ctx, problem, (ctx.request.body ?? {}) as Record<string, unknown>);
  const site = deps.sites.get(flow.siteId)!;
  const pass = site.federated ? passFor(deps, ctx, flow.siteId, site.connector.kind) : undefined;
  if (site.federated && !pass) return refuse({ status: 400, error: 'sign_up_federated_first' });

  // Two registrations of one address at once: one goes on.
  const claimed = await deps.store.setIfAbsent(storeKey('signup-email', `${flow.siteId}:${flow.email}`), current.id, { ttlSeconds: 300 });
  if (!claimed || (await emailInUse(deps, flow.siteId, flow.email))) return refuse({ status: 409, error: 'email_in_use' });

  let identity: DirectoryIdentity;
  // A registrant who chooses the password here has none to change at the first sign-in.
  let passwordChosen = false;
  if (pass) {
    // The identity Microsoft proved a moment ago (tid:oid for Entra), so the next sign-in there finds this account.
    if (await deps.accounts.findLinked(flow.siteId, pass.kind, pass.identity.externalId))
      return release(deps, flow, () => refuse({ status: 409, error: 'already_registered' }));
    identity = pass.identity;
  } else if (site.connector.users) {
    if (input.password !== input.confirmPassword) return release(deps, flow, () => refuse({ status: 400, error: 'password_mismatch' }));
    const check = await deps.passwordRules(flow.siteId).check(input.password!, { username: input.username });
    if (!check.ok) return release(deps, flow, () => refuse({ status: 400, error: 'password_rules_unmet', unmet: check.failures }));
    try {
      const user = await site.connector.users.add({ username: input.username!, password: input.password!, name: input.name, email: flow.email });
      identity = { externalId: user.externalId, username: user.username, name: input.name, email: flow.email, emailVerified: true, groups: [] };
      passwordChosen = true;
    } catch (error) {
      if (error instanceof UsernameTakenError) return release(deps, flow, () => refuse({ status: 409, error: 'username_taken' }));
      throw error;
    }
  } else {
    // The directory password is guessed here as at sign-in: the same counter, the same limit.
    const attempt = await deps.lockout.passwordAttempt({ siteId: flow.siteId, username: input.username!, ip: ctx.ip });
    const throttled = () => release(deps, flow, () => refuse({ status: 429, error: 'too_many_attempts' }));
    if (attempt.refused) return throttled();
    const outcome = await site.connector.verifyPassword({ username: input.username!, password: input.password! });
    void deps.audit.record(ctx, { action: 'registration.directory_sign_in', outcome: outcome.status, site: flow.siteId, username: input.username });
    if (outcome.status === 'unavailable') await attempt.notCounted();
    if (outcome.status !== 'ok')
      return release(deps, flow, () =>
        refuse({
          status: outcome.status === 'unavailable' ? 503 : 401,
          error: outcome.status === 'unavailable' ? 'directory_unavailable' : 'invalid_credentials',
        }),
      );
    if (!(await attempt.succeeded(outcome.identity.username))) return throttled();
    if (await deps.accounts.findLinked(flow.siteId, site.connector.kind, outcome.identity.externalId))
      return release(deps, flow, () => refuse({ status: 409, error: 'already_registered' }));
    identity = outcome.identity;
  }

  const account = await deps.accounts.linkOrCreate(flow.siteId, site.connector.kind, identity, {
    status: 'pending_approval',
    name: identity.name ?? input.name,
    email: identity.email ?? flow.email,
    emailVerified: (identity.email ?? flow.email) === flow.email,
    passwordChangedAt: passwordChosen ? new Date().toISOString() : undefined,
  });
  const request = await deps.requests.submit({
    siteId: flow.siteId,
    accountId: account.id,
    username: account.username,
    name: input.name,
    email: flow.email,
    organisation: input.organisation,
    reason: input.reason,
    locale: localeOf(ctx),
  });
  await deps.flows.submitted(ctx, current.id, flow, request.id);
  if (pass) deps.signUpPass.clear(ctx);
  void deps.audit.record(ctx, {
    action: 'registration.submit',
    outcome: 'pending',
    site: flow.siteId,
    username: account.username,
    accountId: account.id,
    detail: { request: request.id, email: flow.email },
  });
  redirect(ctx, '/register/status');
}

/** Gives the address back when the details were refused, so the person can correct them. */
async function release(deps: RegistrationDeps, flow: { siteId: string; email: string }, then: () => Promise<void>): Promise<void> {
  await deps.store.delete(storeKey('signup-email', `${flow.siteId}:${flow.email}`));
  await then();
}
