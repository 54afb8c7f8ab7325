import type { Context, Next } from 'koa';
import { AppError } from '../errors/app-error.ts';
import type { AuditEvent } from '../services/audit/audit-log.ts';
import type { AdminUser } from './admin-session.ts';
import type { AdminDeps } from './deps.ts';

/** Notices shown after an action, by a fixed code in the query (never text taken from the request). */
const notices: Record<string, string> = {
  approved: 'The request was approved and the person was told by email.',
  denied: 'The request was denied and the person was told by email.',
  already_decided: 'This request was already decided by someone else.',
  invited: 'The invitation was saved and its email is on its way (its delivery is under Outbox).',
  resent: 'A new invitation link is on its way by email; the previous link no longer works.',
  revoked: 'The invitation was revoked; its link no longer works.',
  outbox_resent: 'The message was queued again as a new message.',
  outbox_not_resent: 'This message cannot be sent again (it is still pending, or its cause is gone).',
  final: 'This invitation was already redeemed or revoked.',
  disabled: 'The account was disabled and signed out everywhere.',
  enabled: 'The account was enabled.',
  unlocked: 'The account was unlocked and the person was told by email.',
  mfa_reset: 'Two-step verification was reset: the next sign-in enrolls a device again.',
  browsers_revoked: 'Every trusted browser of this account must verify again.',
  signed_out: 'The account was signed out everywhere.',
  redirect_uris: 'The redirect URIs were saved.',
};

export const noticeFor = (ctx: Context) => (typeof ctx.query.notice === 'string' ? notices[ctx.query.notice] : undefined);

export function redirectWithNotice(ctx: Context, path: string, notice: keyof typeof notices): void {
  ctx.status = 303;
  ctx.redirect(`${path}${path.includes('?') ? '&' : '?'}notice=${notice}`);
}

/** Renders a console page with the navigation and the signed-in admin. */
export async function renderAdmin(deps: AdminDeps, ctx: Context, view: string, data: Record<string, unknown> & { title: string; tab: string }): Promise<void> {
  const admin = ctx.state.admin as AdminUser;
  await deps.render(ctx, `admin/${view}`, {
    ...data,
    admin: { label: admin.label, name: admin.account.name ?? admin.account.username, allSites: admin.allSites, sites: admin.sites },
    csrfToken: deps.csrf.token(ctx),
    notice: noticeFor(ctx),
  });
}

/** Only signed-in admins go on: a page request is sent to sign in; a form post without a session is refused. */
export function requireAdmin(deps: AdminDeps) {
  return async (ctx: Context, next: Next): Promise<void> => {
    let admin = await deps.adminSessions.current(ctx);
    // A console session lives no longer than its grant (the token endpoint revokes it when the code is replayed).
    if (admin?.grantId && !(await deps.signIn.granted(admin.grantId))) {
      await deps.adminSessions.end(ctx);
      admin = undefined;
    }
    if (!admin) {
      if (ctx.method !== 'GET') throw new AppError('admin_signed_out', 401);
      return deps.signIn.start(ctx, { returnTo: safeAdminPath(ctx.url), acrValues: deps.requireMfa ? 'urn:admit:acr:mfa' : undefined });
    }
    ctx.state.admin = admin;
    await next();
  };
}

/** Global admins only (relying applications are not per site). */
export function requireGlobalAdmin(ctx: Context, next: Next): Promise<void> {
  if (!(ctx.state.admin as AdminUser).allSites) throw new AppError('not_found', 404);
  return next();
}

/** Records an admin action with who did it. */
export function auditAdmin(deps: AdminDeps, ctx: Context, event: Omit<AuditEvent, 'actor'>): void {
  void deps.audit.record(ctx, { ...event, actor: (ctx.state.admin as AdminUser).label });
}

export function safeAdminPath(url: string | undefined): string {
  return url && /^\/admin(\/[A-Za-z0-9/_.-]*)?(\?[A-Za-z0-9=&%_.+-]*)?$/.test(url) && !url.startsWith('/admin/callback') ? url : '/admin/approvals';
}
