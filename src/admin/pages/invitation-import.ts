import type { Context } from 'koa';
import { z } from 'zod';
import { type Text, text as words } from '../../i18n/text.ts';
import { type CsvProblem, parseInvitationCsv } from '../../services/invitations/invitation-csv.ts';
import type { InvitationView } from '../../services/invitations/invitation-model.ts';
import type { InviteRefusal } from '../../services/invitations/invitations.ts';
import { auditAdmin, auditAdminMany } from '../admin-page.ts';
import { type AdminUser, canAdminister } from '../admin-session.ts';
import type { AdminDeps } from '../deps.ts';
import type { UploadedFile } from '../multipart.ts';
import { optionalDays } from './invitation-days.ts';

export const uploadForm = z.object({
  site: z.string().min(1).max(64),
  days: optionalDays,
});

export const UPLOAD_FORM_REFUSED = words('admin:invitations.uploadRefused');

/** "<email> already has an account in this site." in the page's words (admin.json's invitations.refusals.<reason>). */
export const refusalText = (email: string, reason: InviteRefusal): Text => words(`admin:invitations.refusals.${reason}`, { email });

/** A problem as the page lists it: the CSV parser's own sentence, or one of this page's. */
type ShownProblem = Omit<CsvProblem, 'message'> & { message: string | Text };

export type ImportResult = { status: 'imported'; invited: InvitationView[] } | { status: 'refused'; problems: ShownProblem[]; error: Text };

/**
 * A CSV of people to invite, all or nothing: every row is checked first
 * (format, duplicates, people who already have an account or an open
 * invitation) and any problem, reported by line, imports no one. Then the
 * invitations and their emails are one outbox write (services/invitations):
 * all of them are stored, or none, whatever happens to the process, and the
 * answer does not wait for the SMTP server (the worker mails them).
 */
export async function importInvitationCsv(deps: AdminDeps, ctx: Context, form: z.infer<typeof uploadForm>): Promise<ImportResult> {
  const user = ctx.state.admin as AdminUser;
  const file = (ctx.state.files as Record<string, UploadedFile> | undefined)?.file;
  const refuse = (error: Text, problems: ShownProblem[] = []): ImportResult => ({ status: 'refused', problems, error });
  if (!canAdminister(user, form.site)) return refuse(UPLOAD_FORM_REFUSED);
  if (!file || file.data.length === 0) return refuse(words('admin:invitations.chooseFile'));
  const text = file.data.toString('utf8');
  if (text.includes('\uFFFD') || text.includes('\0')) return refuse(words('admin:invitations.notUtf8'));

  const parsed = parseInvitationCsv(text);
  const { invitees } = parsed;
  const problems: ShownProblem[] = [...parsed.problems];
  const siteId = form.site;
  const refusals = await deps.invitations.refusalsFor(
    siteId,
    invitees.map((invitee) => invitee.email),
  );
  invitees.forEach((invitee, index) => {
    const refusal = refusals[index];
    if (refusal) problems.push({ line: invitee.line, message: refusalText(invitee.email, refusal) });
  });
  const refused = (list: ShownProblem[]) => {
    list.sort((a, b) => a.line - b.line);
    auditAdmin(deps, ctx, {
      action: 'admin.invitation.import',
      outcome: 'refused',
      site: siteId,
      detail: { file: file.filename, rows: invitees.length, problems: list.length },
    });
    return refuse(words('admin:invitations.nothingImported', { count: list.length }), list);
  };
  if (problems.length) return refused(problems);

  const actor = { id: user.account.id, label: user.account.name ?? user.label };
  const outcome = await deps.invitations.inviteMany(
    invitees.map((invitee) => ({ siteId, email: invitee.email, name: invitee.name, role: invitee.role, groups: invitee.groups, days: form.days })),
    actor,
  );
  // Someone invited one of these people between the check and the write: still nothing is imported.
  if (outcome.status === 'refused')
    return refused(outcome.refusals.map(({ index, reason }) => ({ line: invitees[index]!.line, message: refusalText(invitees[index]!.email, reason) })));
  auditAdminMany(
    deps,
    ctx,
    outcome.invitations.map((invitation, index) => ({
      action: 'admin.invitation.create',
      outcome: 'queued',
      site: siteId,
      detail: { invitation: invitation.id, email: invitation.email, role: invitation.role, file: file.filename, line: invitees[index]!.line },
    })),
  );
  auditAdmin(deps, ctx, {
    action: 'admin.invitation.import',
    outcome: 'ok',
    site: siteId,
    detail: { file: file.filename, invited: outcome.invitations.length },
  });
  return { status: 'imported', invited: outcome.invitations };
}
