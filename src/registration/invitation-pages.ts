import type Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import { type MessageCode, messageText } from '../errors/messages.ts';
import { guard } from '../http/route-input.ts';
import { formatDateTime, localeOf, text } from '../i18n/index.ts';
import { UsernameTakenError } from '../kit/connector.ts';
import type { InvitationView } from '../services/invitations/invitation-model.ts';
import type { RedeemOutcome } from '../services/invitations/redeem.ts';
import { signInWay } from '../services/invitations/sign-in-way.ts';
import type { PolicyRule } from '../services/password-policy/policy.ts';
import type { RegistrationDeps } from './deps.ts';
import { createSignInForm, tokenForm } from './forms.ts';

const problems: Record<'invalid' | 'expired' | 'used', MessageCode> = { invalid: 'invitation_invalid', expired: 'invitation_expired', used: 'invitation_used' };

/** The live invitation a /invite/create post is for, checked before the rest of its form is read. */
const held = new WeakMap<Context, { token: string; invitation: InvitationView }>();
const heldOf = (ctx: Context) => held.get(ctx)!;

/**
 * An invitation link: GET only shows it (a mail scanner that fetches the
 * link uses nothing up); pressing the button (a POST with the CSRF token)
 * goes on. For a site whose directory admit manages, the invitee sets up a
 * user name and password here, which redeems it; elsewhere they sign in with
 * their directory (or Microsoft), and that sign-in redeems it
 * (services/approvals/admission.ts). Either way the sign-in that follows
 * runs every gate.
 */
export function invitationRoutes(router: Router, deps: RegistrationDeps, form: Middleware[]): void {
  async function problemPage(ctx: Context, status: 'invalid' | 'expired' | 'used') {
    ctx.status = status === 'invalid' ? 404 : 410;
    await deps.render(ctx, 'registration/invitation-problem', { title: text('registration:invitation.title'), message: messageText(problems[status]) });
  }

  async function showCreate(
    ctx: Context,
    token: string,
    invitation: InvitationView,
    problem: { status?: number; error?: MessageCode; unmet?: PolicyRule[]; username?: string } = {},
  ) {
    const unmet = new Set((problem.unmet ?? []).map((rule) => rule.id));
    if (problem.status) ctx.status = problem.status;
    await deps.render(ctx, 'registration/invitation-create', {
      title: text('registration:invitation.setUp'),
      token,
      email: invitation.email,
      siteId: invitation.siteId,
      siteName: deps.sites.get(invitation.siteId)?.config.displayName ?? invitation.siteId,
      username: problem.username ?? invitation.email,
      rules: deps
        .passwordRules(invitation.siteId)
        .rules()
        .map((rule) => ({ ...rule, unmet: unmet.has(rule.id) })),
      csrfToken: deps.csrf.token(ctx),
      error: problem.error ? messageText(problem.error) : undefined,
    });
  }

  // A token that is not one reads as an invalid link, as does one that finds no invitation.
  const tokenInput = guard({ body: tokenForm, invalid: (ctx) => problemPage(ctx, 'invalid') });
  const createInput = guard({
    body: createSignInForm,
    invalid: (ctx, refusal) =>
      showCreate(ctx, heldOf(ctx).token, heldOf(ctx).invitation, { status: 400, error: refusal.code, username: refusal.echo.username?.slice(0, 256) }),
  });

  /** The invitation of the posted token, live, for a site whose directory admit manages (only there is a sign-in set up here). */
  async function heldInvitation(ctx: Context, next: Next) {
    const { token } = tokenInput.input(ctx).body;
    const checked = await deps.invitations.check(token);
    if (checked.status !== 'ok') return problemPage(ctx, checked.status);
    if (!deps.sites.get(checked.invitation.siteId)?.capabilities.managedUsers) return problemPage(ctx, 'invalid');
    held.set(ctx, { token, invitation: checked.invitation });
    await next();
  }

  router.get('/invite', async (ctx) => {
    const token = typeof ctx.query.token === 'string' ? ctx.query.token : '';
    const checked = await deps.invitations.check(token);
    if (checked.status !== 'ok') return problemPage(ctx, checked.status);
    await deps.invitations.markOpened(checked.invitation);
    const site = deps.sites.get(checked.invitation.siteId);
    await deps.render(ctx, 'registration/invitation', {
      title: text('registration:invitation.title'),
      token,
      email: checked.invitation.email,
      name: checked.invitation.name,
      siteId: checked.invitation.siteId,
      siteName: site?.config.displayName ?? checked.invitation.siteId,
      way: signInWay(site?.capabilities),
      // A date and time in the page's language (UTC, as the server knows no time zone of the browser).
      expires: formatDateTime(localeOf(ctx), checked.invitation.expiresAt, { dateStyle: 'long', timeStyle: 'short' }),
      csrfToken: deps.csrf.token(ctx),
    });
  });

  router.post('/invite/accept', ...form, tokenInput, async (ctx) => {
    const { token } = tokenInput.input(ctx).body;
    const checked = await deps.invitations.check(token);
    if (checked.status !== 'ok') return problemPage(ctx, checked.status);
    void deps.audit.record(ctx, { action: 'invitation.accept', outcome: 'ok', site: checked.invitation.siteId, detail: { invitation: checked.invitation.id } });
    if (deps.sites.get(checked.invitation.siteId)?.capabilities.managedUsers) return showCreate(ctx, token, checked.invitation);
    // The directory sign-in redeems it: carry the token through the sign-in, sealed.
    deps.invitationCookie.set(ctx, token);
    await deps.welcome.start(ctx, { returnTo: '/invite/done', prompt: 'login' });
  });

  router.post('/invite/create', ...form, tokenInput, heldInvitation, createInput, async (ctx) => {
    const { token, invitation } = heldOf(ctx);
    const input = createInput.input(ctx).body;
    // Shown again as typed (untrimmed) beside a refusal.
    const username = String((ctx.request.body as Record<string, unknown>).username).slice(0, 256);
    if (!(await deps.lockout.invitationSignIn(ctx.ip))) return showCreate(ctx, token, invitation, { status: 429, error: 'too_many_requests', username });
    if (input.newPassword !== input.confirmPassword) return showCreate(ctx, token, invitation, { status: 400, error: 'password_mismatch', username });
    const check = await deps.passwordRules(invitation.siteId).check(input.newPassword, { username: input.username });
    if (!check.ok) return showCreate(ctx, token, invitation, { status: 400, error: 'password_rules_unmet', unmet: check.failures, username });

    // The invitation is held first, then the user is made: of parallel presses one makes a user.
    const site = deps.sites.get(invitation.siteId)!;
    let user: { externalId: string; username: string } | undefined;
    let redeemed: RedeemOutcome;
    try {
      redeemed = await deps.invitations.redeem(token, async () => {
        user = await site.connector.users!.add({ username: input.username, password: input.newPassword, name: invitation.name, email: invitation.email });
        return {
          siteId: invitation.siteId,
          directoryKind: site.connector.kind,
          passwordChosen: true,
          identity: { externalId: user.externalId, username: user.username, name: invitation.name, email: invitation.email, emailVerified: true, groups: [] },
        };
      });
    } catch (error) {
      if (error instanceof UsernameTakenError) return showCreate(ctx, token, invitation, { status: 409, error: 'username_taken', username });
      throw error;
    }
    void deps.audit.record(ctx, {
      action: 'invitation.redeem',
      outcome: redeemed.status,
      site: invitation.siteId,
      username: user?.username ?? input.username,
      accountId: redeemed.status === 'ok' ? redeemed.account.id : undefined,
      detail: { invitation: invitation.id, email: invitation.email },
    });
    if (redeemed.status !== 'ok') return problemPage(ctx, redeemed.status === 'email_mismatch' ? 'invalid' : redeemed.status);
    // Now the first sign-in with the new user name, through every gate.
    await deps.welcome.start(ctx, { returnTo: '/invite/done', loginHint: redeemed.account.username, prompt: 'login' });
  });

  router.get('/invite/done', async (ctx) => {
    const result = await deps.welcome.finish(ctx);
    const account = 'error' in result ? undefined : await deps.accounts.find(result.accountId);
    await deps.render(ctx, 'registration/invitation-done', {
      title: text(account ? 'registration:invitation.allSet' : 'registration:invitation.notFinished'),
      account: account ? { name: account.name ?? account.username, username: account.username, siteId: account.siteId } : undefined,
      siteName: account ? (deps.sites.get(account.siteId)?.config.displayName ?? account.siteId) : undefined,
    });
  });
}
