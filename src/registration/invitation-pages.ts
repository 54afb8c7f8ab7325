import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { messages, type MessageCode } from '../errors/messages.ts';
import { LocalUserExistsError } from '../../plugins/connector-local/local-directory.ts';
import type { InvitationView } from '../services/invitations/invitation-model.ts';
import type { PolicyRule } from '../services/password-policy/policy.ts';
import type { RegistrationDeps } from './deps.ts';
import { createSignInForm, tokenForm } from './forms.ts';

const problems: Record<'invalid' | 'expired' | 'used', MessageCode> = { invalid: 'invitation_invalid', expired: 'invitation_expired', used: 'invitation_used' };

/**
 * An invitation link: GET only shows it (a mail scanner that fetches the
 * link uses nothing up); pressing the button (a POST with the CSRF token)
 * goes on. For a local site the invitee sets up a user name and password
 * here, which redeems it; elsewhere they sign in with their directory (or
 * Microsoft), and that sign-in redeems it (services/approvals/admission.ts).
 * Either way the sign-in that follows runs every gate.
 */
export function invitationRoutes(router: Router, deps: RegistrationDeps, form: Middleware[]): void {
  async function problemPage(ctx: Context, status: 'invalid' | 'expired' | 'used') {
    ctx.status = status === 'invalid' ? 404 : 410;
    await deps.render(ctx, 'registration/invitation-problem', { title: 'Invitation', message: messages[problems[status]] });
  }

  async function showCreate(ctx: Context, token: string, invitation: InvitationView, problem: { status?: number; error?: MessageCode; unmet?: PolicyRule[]; username?: string } = {}) {
    const unmet = new Set((problem.unmet ?? []).map((rule) => rule.id));
    if (problem.status) ctx.status = problem.status;
    await deps.render(ctx, 'registration/invitation-create', {
      title: 'Set up your sign-in', token, email: invitation.email, siteId: invitation.siteId,
      siteName: deps.sites.get(invitation.siteId)?.config.displayName ?? invitation.siteId,
      username: problem.username ?? invitation.email,
      rules: deps.passwordRules(invitation.siteId).rules().map((rule) => ({ ...rule, unmet: unmet.has(rule.id) })),
      csrfToken: deps.csrf.token(ctx), error: problem.error ? messages[problem.error] : undefined,
    });
  }

  router.get('/invite', async (ctx) => {
    const token = typeof ctx.query.token === 'string' ? ctx.query.token : '';
    const checked = await deps.invitations.check(token);
    if (checked.status !== 'ok') return problemPage(ctx, checked.status);
    await deps.invitations.markOpened(checked.invitation);
    const site = deps.sites.get(checked.invitation.siteId);
    await deps.render(ctx, 'registration/invitation', {
      title: 'Invitation', token, email: checked.invitation.email, name: checked.invitation.name,
      siteId: checked.invitation.siteId, siteName: site?.config.displayName ?? checked.invitation.siteId,
      kind: site?.connector.kind ?? 'local', expires: checked.invitation.expiresAt.slice(0, 16).replace('T', ' '),
      csrfToken: deps.csrf.token(ctx),
    });
  });

  router.post('/invite/accept', ...form, async (ctx) => {
    const parsed = tokenForm.safeParse(ctx.request.body ?? {});
    const checked = await deps.invitations.check(parsed.success ? parsed.data.token : '');
    if (checked.status !== 'ok') return problemPage(ctx, checked.status);
    void deps.audit.record(ctx, { action: 'invitation.accept', outcome: 'ok', site: checked.invitation.siteId, detail: { invitation: checked.invitation.id } });
    if (deps.sites.get(checked.invitation.siteId)?.connector.kind === 'local') return showCreate(ctx, parsed.data!.token, checked.invitation);
    // The directory sign-in redeems it: carry the token through the sign-in, sealed.
    deps.invitationCookie.set(ctx, parsed.data!.token);
    await deps.welcome.start(ctx, { returnTo: '/invite/done', prompt: 'login' });
  });

  router.post('/invite/create', ...form, async (ctx) => {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const parsed = createSignInForm.safeParse(body);
    const checked = await deps.invitations.check(typeof body.token === 'string' ? body.token : '');
    if (checked.status !== 'ok') return problemPage(ctx, checked.status);
    const { invitation } = checked;
    const token = String(body.token);
    const site = deps.sites.get(invitation.siteId);
    if (site?.connector.kind !== 'local') return problemPage(ctx, 'invalid');
    const username = typeof body.username === 'string' ? body.username.slice(0, 256) : undefined;
    if (!parsed.success) return showCreate(ctx, token, invitation, { status: 400, error: parsed.error.issues[0]?.message as MessageCode, username });
    const input = parsed.data;
    if (!(await deps.lockout.invitationSignIn(ctx.ip))) return showCreate(ctx, token, invitation, { status: 429, error: 'too_many_requests', username });
    if (input.newPassword !== input.confirmPassword) return showCreate(ctx, token, invitation, { status: 400, error: 'password_mismatch', username });
    const check = await deps.passwordRules(invitation.siteId).check(input.newPassword, { username: input.username });
    if (!check.ok) return showCreate(ctx, token, invitation, { status: 400, error: 'password_rules_unmet', unmet: check.failures, username });

    // The invitation is held first, then the user is made: of parallel presses one makes a user.
    let user: { id: string; username: string } | undefined;
    let redeemed;
    try {
      redeemed = await deps.invitations.redeem(token, async () => {
        user = await deps.localDirectory(invitation.siteId).addUser({ username: input.username, password: input.newPassword, name: invitation.name, email: invitation.email });
        return {
          siteId: invitation.siteId, directoryKind: 'local', passwordChosen: true,
          identity: { externalId: user.id, username: user.username, name: invitation.name, email: invitation.email, emailVerified: true, groups: [] },
        };
      });
    } catch (error) {
      if (error instanceof LocalUserExistsError) return showCreate(ctx, token, invitation, { status: 409, error: 'username_taken', username });
      throw error;
    }
    void deps.audit.record(ctx, {
      action: 'invitation.redeem', outcome: redeemed.status, site: invitation.siteId, username: user?.username ?? input.username,
      accountId: redeemed.status === 'ok' ? redeemed.account.id : undefined, detail: { invitation: invitation.id, email: invitation.email },
    });
    if (redeemed.status !== 'ok') return problemPage(ctx, redeemed.status === 'email_mismatch' ? 'invalid' : redeemed.status);
    // Now the first sign-in with the new user name, through every gate.
    await deps.welcome.start(ctx, { returnTo: '/invite/done', loginHint: redeemed.account.username, prompt: 'login' });
  });

  router.get('/invite/done', async (ctx) => {
    const result = await deps.welcome.finish(ctx);
    const account = 'error' in result ? undefined : await deps.accounts.find(result.accountId);
    await deps.render(ctx, 'registration/invitation-done', {
      title: account ? 'You are all set' : 'Sign-in not finished',
      account: account ? { name: account.name ?? account.username, username: account.username, siteId: account.siteId } : undefined,
      siteName: account ? deps.sites.get(account.siteId)?.config.displayName ?? account.siteId : undefined,
    });
  });
}
