import type { Context } from 'koa';
import { z } from 'zod';
import { type CsvProblem, parseInvitationCsv } from '../../services/invitations/invitation-csv.ts';
import type { InvitationView } from '../../services/invitations/invitation-model.ts';
import type { InviteRefusal } from '../../services/invitations/invitations.ts';
import { auditAdmin } from '../admin-page.ts';
import { type AdminUser, canAdminister } from '../admin-session.ts';
import type { AdminDeps } from '../deps.ts';
import type { UploadedFile } from '../multipart.ts';
import { optionalDays } from './invitation-days.ts';

export const uploadForm = z.object({
  site: z.string().min(1).max(64),
  days: optionalDays,
});

export const UPLOAD_FORM_REFUSED = 'Choose one of your sites and a validity of 1 to 90 days.';

export const refusalText: Record<InviteRefusal, string> = {
  already_member: 'already has an account in this site',
  already_invited: 'already has an open invitation to this site (use Resend)',
  unknown_site: 'the site does not exist',
};

export type ImportResult = { status: 'imported'; invited: InvitationView[] } | { status: 'refused'; problems: CsvProblem[]; error: string };

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
  const refuse = (error: string, problems: CsvProblem[] = []): ImportResult => ({ status: 'refused', problems, error });
  if (!canAdminister(user, form.site)) return refuse(UPLOAD_FORM_REFUSED);
  if (!file || file.data.length === 0) return refuse('Choose a CSV file to upload.');
  const text = file.data.toString('utf8');
  if (text.includes('\uFFFD') || text.includes('\0')) return refuse('The file is not UTF-8 text. Save it as "CSV UTF-8" and upload it again.');

  const { invitees, problems } = parseInvitationCsv(text);
  const siteId = form.site;
  const refusals = await deps.invitations.refusalsFor(
    siteId,
    invitees.map((invitee) => invitee.email),
  );
  invitees.forEach((invitee, index) => {
    const refusal = refusals[index];
    if (refusal) problems.push({ line: invitee.line, message: `${invitee.email} ${refusalText[refusal]}.` });
  });
  const refused = (list: CsvProblem[]) => {
    list.sort((a, b) => a.line - b.line);
    auditAdmin(deps, ctx, {
      action: 'admin.invitation.import',
      outcome: 'refused',
      site: siteId,
      detail: { file: file.filename, rows: invitees.length, problems: list.length },
    });
    return refuse(`Nothing was imported: fix the ${list.length === 1 ? 'line' : 'lines'} below and upload the file again.`, list);
  };
  if (problems.length) return refused(problems);

  const actor = { id: user.account.id, label: user.account.name ?? user.label };
  const outcome = await deps.invitations.inviteMany(
    invitees.map((invitee) => ({ siteId, email: invitee.email, name: invitee.name, role: invitee.role, groups: invitee.groups, days: form.days })),
    actor,
  );
  // Someone invited one of these people between the check and the write: still nothing is imported.
  if (outcome.status === 'refused')
    return refused(
      outcome.refusals.map(({ index, reason }) => ({ line: invitees[index]!.line, message: `${invitees[index]!.email} ${refusalText[reason]}.` })),
    );
  outcome.invitations.forEach((invitation, index) => {
    auditAdmin(deps, ctx, {
      action: 'admin.invitation.create',
      outcome: 'queued',
      site: siteId,
      detail: { invitation: invitation.id, email: invitation.email, role: invitation.role, file: file.filename, line: invitees[index]!.line },
    });
  });
  auditAdmin(deps, ctx, {
    action: 'admin.invitation.import',
    outcome: 'ok',
    site: siteId,
    detail: { file: file.filename, invited: outcome.invitations.length },
  });
  return { status: 'imported', invited: outcome.invitations };
}
