import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { guard } from '../../http/route-input.ts';
import { type Text, text } from '../../i18n/text.ts';
import type { InvitationView } from '../../services/invitations/invitation-model.ts';
import { INVITATIONS_PAGE } from '../../services/invitations/invitations.ts';
import { CursorError, type Page } from '../../services/paging.ts';
import { actorOfAdmin } from '../actions/actor.ts';
import { invitePerson, resendInvitation, revokeInvitation, visibleInvitation } from '../actions/invitation-actions.ts';
import { groupNames, inviteFields } from '../actions/schemas.ts';
import { redirectWithNotice, renderAdmin } from '../admin-page.ts';
import { type AdminUser, canAdminister } from '../admin-session.ts';
import type { AdminDeps } from '../deps.ts';
import { multipartForm } from '../multipart.ts';
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
  .pipe(groupNames);

/** The console's form: the shared fields (actions/schemas.ts), groups typed in one box. */
export const inviteForm = z.object({ ...inviteFields, groups: groupList });

/** Invitations: invite one person or a CSV list, resend, revoke, and see each one's status. */
export function invitationRoutes(router: Router, deps: AdminDeps, admin: Middleware, form: Middleware[]): void {
  /** The forms and one page of the admin's sites' invitations, newest first, 50 a page (a cursor in `after`). */
  async function show(ctx: Context, extra: Record<string, unknown> = {}) {
    const user = ctx.state.admin as AdminUser;
    const after = ctx.method === 'GET' ? (ctx.query.after as string | undefined) : undefined;
    let page: Page<InvitationView> = { items: [] };
    let pageError: Text | undefined;
    try {
      page = await deps.invitations.list(user.sites, { cursor: after });
    } catch (problem) {
      if (!(problem instanceof CursorError)) throw problem;
      ctx.status = 400;
      pageError = text('admin:badCursor');
    }
    await renderAdmin(deps, ctx, 'invitations', {
      title: text('admin:nav.invitations'),
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

  const invitationFor = (ctx: Context) => visibleInvitation(deps, actorOfAdmin(ctx.state.admin as AdminUser), String(ctx.params.id));

  router.get('/invitations', admin, (ctx) => show(ctx));

  const refuse = (ctx: Context, error: string | Text, values: unknown = ctx.request.body ?? {}) => {
    ctx.status = 400;
    return show(ctx, { values, error });
  };
  const invite = guard({ body: inviteForm, invalid: (ctx, refusal) => refuse(ctx, refusal.text, refusal.echo) });
  router.post('/invitations', admin, ...form, invite, async (ctx) => {
    const { site: siteId, ...input } = invite.input(ctx).body;
    const outcome = await invitePerson(deps, ctx, actorOfAdmin(ctx.state.admin as AdminUser), { siteId, ...input });
    if (outcome.status === 'refused') {
      return refuse(ctx, outcome.reason === 'not_your_site' ? text('admin:invitations.chooseSite') : refusalText(input.email, outcome.reason));
    }
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
    const outcome = await resendInvitation(deps, ctx, actorOfAdmin(ctx.state.admin as AdminUser), invitation);
    redirectWithNotice(ctx, '/admin/invitations', outcome.status === 'ok' ? 'resent' : 'final');
  });

  router.post('/invitations/:id/revoke', admin, ...form, async (ctx) => {
    const invitation = await invitationFor(ctx);
    const outcome = await revokeInvitation(deps, ctx, actorOfAdmin(ctx.state.admin as AdminUser), invitation);
    redirectWithNotice(ctx, '/admin/invitations', outcome === 'ok' ? 'revoked' : 'final');
  });
}
