import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { AppError } from '../../errors/app-error.ts';
import { guard } from '../../http/route-input.ts';
import type { InvitationView } from '../../services/invitations/invitation-model.ts';
import { INVITATIONS_PAGE } from '../../services/invitations/invitations.ts';
import { CursorError, type Page } from '../../services/paging.ts';
import { auditAdmin, redirectWithNotice, renderAdmin } from '../admin-page.ts';
import { type AdminUser, canAdminister } from '../admin-session.ts';
import type { AdminDeps } from '../deps.ts';
import { multipartForm } from '../multipart.ts';
import { optionalDays } from './invitation-days.ts';
import { importInvitationCsv, refusalText, UPLOAD_FORM_REFUSED, uploadForm } from './invitation-import.ts';

const groupList = z
  .string()
  .max(1000)
  .default('')
  .transform((text) =>
    text
      .split(/[;,]/)
      .map((name) => name.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/, 'Groups may use letters, digits, space . _ - (at most 64 each).')).max(50));

export const inviteForm = z.object({
  email: z.email('Enter a valid email address.').max(254),
  name: z.string().trim().max(100).optional(),
  site: z.string().min(1).max(64),
  role: z.enum(['user', 'site-admin'], 'Choose a role.'),
  groups: groupList,
  days: optionalDays,
});

/** Invitations: invite one person or a CSV list, resend, revoke, and see each one's status. */
export function invitationRoutes(router: Router, deps: AdminDeps, admin: Middleware, form: Middleware[]): void {
  /** The forms and one page of the admin's sites' invitations, newest first, 50 a page (a cursor in `after`). */
  async function show(ctx: Context, extra: Record<string, unknown> = {}) {
    const user = ctx.state.admin as AdminUser;
    const after = ctx.method === 'GET' ? (ctx.query.after as string | undefined) : undefined;
    let page: Page<InvitationView> = { items: [] };
    let pageError: string | undefined;
    try {
      page = await deps.invitations.list(user.sites, { cursor: after });
    } catch (problem) {
      if (!(problem instanceof CursorError)) throw problem;
      ctx.status = 400;
      pageError = problem.message;
    }
    await renderAdmin(deps, ctx, 'invitations', {
      title: 'Invitations',
      tab: 'invitations',
      invitations: page.items,
      total: await deps.invitations.count(user.sites),
      pageSize: INVITATIONS_PAGE,
      firstPage: after === undefined,
      nextUrl: page.next && `/admin/invitations?after=${encodeURIComponent(page.next)}`,
      firstUrl: '/admin/invitations',
      sites: deps.sites.list().filter((site) => canAdminister(user, site.id)),
      values: {},
      error: pageError,
      problems: undefined,
      imported: undefined,
      ...extra,
    });
  }

  async function invitationFor(ctx: Context) {
    const invitation = await deps.invitations.get(String(ctx.params.id));
    if (!invitation || !canAdminister(ctx.state.admin as AdminUser, invitation.siteId)) throw new AppError('not_found', 404);
    return invitation;
  }

  router.get('/invitations', admin, (ctx) => show(ctx));

  const refuse = (ctx: Context, error: string, values: unknown = ctx.request.body ?? {}) => {
    ctx.status = 400;
    return show(ctx, { values, error });
  };
  const invite = guard({ body: inviteForm, invalid: (ctx, refusal) => refuse(ctx, refusal.issue, refusal.echo) });
  router.post('/invitations', admin, ...form, invite, async (ctx) => {
    const user = ctx.state.admin as AdminUser;
    const parsed = invite.input(ctx).body;
    if (!canAdminister(user, parsed.site)) return refuse(ctx, 'Choose one of your sites.');
    const { site: siteId, ...input } = parsed;
    const outcome = await deps.invitations.invite({ siteId, ...input }, { id: user.account.id, label: user.account.name ?? user.label });
    if (outcome.status === 'refused') return refuse(ctx, `${input.email} ${refusalText[outcome.reason]}.`);
    auditAdmin(deps, ctx, {
      action: 'admin.invitation.create',
      outcome: 'queued',
      site: siteId,
      detail: { invitation: outcome.invitation.id, email: outcome.invitation.email, role: input.role },
    });
    redirectWithNotice(ctx, '/admin/invitations', 'invited');
  });

  const upload = guard({
    body: uploadForm,
    invalid: (ctx) => {
      ctx.status = 400;
      return show(ctx, { problems: [], error: UPLOAD_FORM_REFUSED });
    },
  });
  router.post('/invitations/upload', admin, multipartForm({ limitBytes: 256 * 1024 }), deps.csrf.verify, upload, async (ctx) => {
    const result = await importInvitationCsv(deps, ctx, upload.input(ctx).body);
    if (result.status !== 'imported') ctx.status = 400;
    await show(ctx, result.status === 'imported' ? { imported: result.invited } : { problems: result.problems, error: result.error });
  });

  router.post('/invitations/:id/resend', admin, ...form, async (ctx) => {
    const invitation = await invitationFor(ctx);
    const user = ctx.state.admin as AdminUser;
    const outcome = await deps.invitations.resend(invitation.id, { label: user.account.name ?? user.label });
    auditAdmin(deps, ctx, {
      action: 'admin.invitation.resend',
      outcome: outcome.status === 'ok' ? 'queued' : outcome.reason,
      site: invitation.siteId,
      detail: { invitation: invitation.id, email: invitation.email },
    });
    redirectWithNotice(ctx, '/admin/invitations', outcome.status === 'ok' ? 'resent' : 'final');
  });

  router.post('/invitations/:id/revoke', admin, ...form, async (ctx) => {
    const invitation = await invitationFor(ctx);
    const outcome = await deps.invitations.revoke(invitation.id, { id: (ctx.state.admin as AdminUser).account.id });
    auditAdmin(deps, ctx, {
      action: 'admin.invitation.revoke',
      outcome,
      site: invitation.siteId,
      detail: { invitation: invitation.id, email: invitation.email },
    });
    redirectWithNotice(ctx, '/admin/invitations', outcome === 'ok' ? 'revoked' : 'final');
  });
}
