import type { Context, Next } from 'koa';
import { AppError } from '../errors/app-error.ts';
import { formatDateTime, localeOf } from '../i18n/index.ts';
import { type Text, text } from '../i18n/text.ts';
import type { AuditEvent } from '../services/audit/audit-log.ts';
import type { AdminUser } from './admin-session.ts';
import type { AdminDeps } from './deps.ts';
import type { Role } from './role-order.ts';

/** Notices shown after an action, by a fixed code in the query (never text taken from the request); the words are admin.json's `notice.<code>`. */
const notices: Record<string, Text> = {
  approved: text('admin:notice.approved'),
  denied: text('admin:notice.denied'),
  already_decided: text('admin:notice.already_decided'),
  invited: text('admin:notice.invited'),
  resent: text('admin:notice.resent'),
  revoked: text('admin:notice.revoked'),
  outbox_resent: text('admin:notice.outbox_resent'),
  outbox_not_resent: text('admin:notice.outbox_not_resent'),
  final: text('admin:notice.final'),
  disabled: text('admin:notice.disabled'),
  enabled: text('admin:notice.enabled'),
  unlocked: text('admin:notice.unlocked'),
  mfa_reset: text('admin:notice.mfa_reset'),
  browsers_revoked: text('admin:notice.browsers_revoked'),
  signed_out: text('admin:notice.signed_out'),
  redirect_uris: text('admin:notice.redirect_uris'),
};

export const noticeFor = (ctx: Context) =>
  typeof ctx.query.notice === 'string' && Object.hasOwn(notices, ctx.query.notice) ? notices[ctx.query.notice] : undefined;

export function redirectWithNotice(ctx: Context, path: string, notice: keyof typeof notices): void {
  ctx.status = 303;
  ctx.redirect(`${path}${path.includes('?') ? '&' : '?'}notice=${notice}`);
}

/** Renders a console page with the navigation and the signed-in admin. */
export async function renderAdmin(
  deps: AdminDeps,
  ctx: Context,
  view: string,
  data: Record<string, unknown> & { title: string | Text; tab: string },
): Promise<void> {
  const admin = ctx.state.admin as AdminUser;
  const locale = localeOf(ctx);
  await deps.render(ctx, `admin/${view}`, {
    ...data,
    admin: { label: admin.label, name: admin.account.name ?? admin.account.username, allSites: admin.allSites, sites: admin.sites },
    csrfToken: deps.csrf.token(ctx),
    notice: noticeFor(ctx),
    // A stored ISO time in the page's language (Intl, in UTC as the pages say); `seconds` where they matter (audit, outbox).
    when: (iso: string, seconds?: boolean) => formatDateTime(locale, iso, { dateStyle: 'medium', timeStyle: seconds ? 'medium' : 'short' }),
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

/** Records many entries of one admin action at once (an import's invitations): a few store writes instead of two each. */
export function auditAdminMany(deps: AdminDeps, ctx: Context, events: Omit<AuditEvent, 'actor'>[]): void {
  const actor = (ctx.state.admin as AdminUser).label;
  void deps.audit.recordMany(
    ctx,
    events.map((event) => ({ ...event, actor })),
  );
}

export function safeAdminPath(url: string | undefined): string {
  return url && /^\/admin(\/[A-Za-z0-9/_.-]*)?(\?[A-Za-z0-9=&%_.+-]*)?$/.test(url) && !url.startsWith('/admin/callback') ? url : '/admin/approvals';
}

/** An account's role in the page's words (role-order.ts's describeRole is the English of the API and CLI). */
export function roleText(role: Role): Text {
  return role.kind === 'global'
    ? text('admin:role.global')
    : role.kind === 'site'
      ? text('admin:role.site', { sites: role.sites.join(', ') })
      : text('admin:role.user');
}
