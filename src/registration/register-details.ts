import type { Context } from 'koa';
import { storeKey } from '../store/port.ts';
import { messages, type MessageCode } from '../errors/messages.ts';
import type { DirectoryIdentity } from '../kit/connector.ts';
import { LocalUserExistsError } from '../../plugins/connector-local/local-directory.ts';
import type { PolicyRule } from '../services/password-policy/policy.ts';
import type { RegistrationDeps } from './deps.ts';
import { detailsForm, federatedDetailsForm } from './forms.ts';
import { emailInUse, redirect } from './register-pages.ts';

type Problem = { status: number; error?: MessageCode; unmet?: PolicyRule[] };

/** The details page: who you are and why, and the sign-in you will use (chosen, or your directory's). */
export async function showDetails(deps: RegistrationDeps, ctx: Context, problem?: Problem, values: Record<string, unknown> = {}): Promise<void> {
  const current = await deps.flows.current(ctx);
  if (!current?.flow.verified) return redirect(ctx, '/register');
  if (current.flow.requestId) return redirect(ctx, '/register/status');
  const site = deps.sites.get(current.flow.siteId)!;
  const local = site.connector.kind === 'local';
  const pass = site.federated ? passFor(deps, ctx, current.flow.siteId, site.connector.kind) : undefined;
  const unmet = new Set((problem?.unmet ?? []).map((rule) => rule.id));
  if (problem) ctx.status = problem.status;
  await deps.render(ctx, 'registration/details', {
    title: 'User Registration', email: current.flow.email, siteId: site.config.id, siteName: site.config.displayName, local,
    federated: Boolean(site.federated), signedInAs: pass ? pass.identity.email ?? pass.identity.username : undefined,
    rules: local ? deps.passwordRules(site.config.id).rules().map((rule) => ({ ...rule, unmet: unmet.has(rule.id) })) : [],
    values: { name: str(values.name), organisation: str(values.organisation), reason: str(values.reason), username: str(values.username) },
    csrfToken: deps.csrf.token(ctx), error: problem?.error ? messages[problem.error] : undefined,
  });
}

const str = (value: unknown) => (typeof value === 'string' ? value.slice(0, 1000) : '');

/** The federated identity this browser proved for the site, if it still holds one. */
function passFor(deps: RegistrationDeps, ctx: Context, siteId: string, kind: string) {
  const pass = deps.signUpPass.read(ctx);
  return pass && pass.siteId === siteId && pass.kind === kind ? pass : undefined;
}

/**
 * Sends the request: the account is made now, waiting (pending_approval),
 * bound to the sign-in the person proved (a new local user, or their
 * directory account), so approval is all that is left.
 */
export async function submitDetails(deps: RegistrationDeps, ctx: Context): Promise<void> {
  const current = await deps.flows.current(ctx);
  if (!current?.flow.verified) return redirect(ctx, '/register');
  if (current.flow.requestId) return redirect(ctx, '/register/status');
  const { flow } = current;
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const refuse = (problem: Problem) => showDetails(deps, ctx, problem, body);
  const site = deps.sites.get(flow.siteId)!;
  const parsed = (site.federated ? federatedDetailsForm : detailsForm).safeParse(body);
  if (!parsed.success) return refuse({ status: 400, error: parsed.error.issues[0]?.message as MessageCode });
  const input = parsed.data as { name: string; organisation: string; reason: string; username?: string; password?: string; confirmPassword?: string };
  const pass = site.federated ? passFor(deps, ctx, flow.siteId, site.connector.kind) : undefined;
  if (site.federated && !pass) return refuse({ status: 400, error: 'sign_up_federated_first' });

  // Two registrations of one address at once: one goes on.
  const claimed = await deps.store.setIfAbsent(storeKey('signup-email', `${flow.siteId}:${flow.email}`), current.id, { ttlSeconds: 300 });
  if (!claimed || (await emailInUse(deps, flow.siteId, flow.email))) return refuse({ status: 409, error: 'email_in_use' });

  let identity: DirectoryIdentity;
  // A local site's registrant chooses the password here: the first sign-in has none to change.
  let passwordChosen = false;
  if (pass) {
    // The identity Microsoft proved a moment ago (tid:oid for Entra), so the next sign-in there finds this account.
    if (await deps.accounts.findLinked(flow.siteId, pass.kind, pass.identity.externalId)) return release(deps, flow, () => refuse({ status: 409, error: 'already_registered' }));
    identity = pass.identity;
  } else if (site.connector.kind === 'local') {
    if (input.password !== input.confirmPassword) return release(deps, flow, () => refuse({ status: 400, error: 'password_mismatch' }));
    const check = await deps.passwordRules(flow.siteId).check(input.password!, { username: input.username });
    if (!check.ok) return release(deps, flow, () => refuse({ status: 400, error: 'password_rules_unmet', unmet: check.failures }));
    try {
      const user = await deps.localDirectory(flow.siteId).addUser({ username: input.username!, password: input.password!, name: input.name, email: flow.email });
      identity = { externalId: user.id, username: user.username, name: input.name, email: flow.email, emailVerified: true, groups: [] };
      passwordChosen = true;
    } catch (error) {
      if (error instanceof LocalUserExistsError) return release(deps, flow, () => refuse({ status: 409, error: 'username_taken' }));
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
    if (outcome.status !== 'ok') return release(deps, flow, () => refuse({ status: outcome.status === 'unavailable' ? 503 : 401, error: outcome.status === 'unavailable' ? 'directory_unavailable' : 'invalid_credentials' }));
    if (!(await attempt.succeeded(outcome.identity.username))) return throttled();
    if (await deps.accounts.findLinked(flow.siteId, site.connector.kind, outcome.identity.externalId)) return release(deps, flow, () => refuse({ status: 409, error: 'already_registered' }));
    identity = outcome.identity;
  }

  const account = await deps.accounts.linkOrCreate(flow.siteId, site.connector.kind, identity, {
    status: 'pending_approval', name: identity.name ?? input.name, email: identity.email ?? flow.email, emailVerified: (identity.email ?? flow.email) === flow.email,
    passwordChangedAt: passwordChosen ? new Date().toISOString() : undefined,
  });
  const request = await deps.requests.submit({
    siteId: flow.siteId, accountId: account.id, username: account.username, name: input.name, email: flow.email,
    organisation: input.organisation, reason: input.reason,
  });
  await deps.flows.submitted(ctx, current.id, flow, request.id);
  if (pass) deps.signUpPass.clear(ctx);
  void deps.audit.record(ctx, { action: 'registration.submit', outcome: 'pending', site: flow.siteId, username: account.username, accountId: account.id, detail: { request: request.id, email: flow.email } });
  redirect(ctx, '/register/status');
}

/** Gives the address back when the details were refused, so the person can correct them. */
async function release(deps: RegistrationDeps, flow: { siteId: string; email: string }, then: () => Promise<void>): Promise<void> {
  await deps.store.delete(storeKey('signup-email', `${flow.siteId}:${flow.email}`));
  await then();
}
