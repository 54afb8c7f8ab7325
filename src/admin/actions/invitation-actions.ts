import type { Context } from 'koa';
import { AppError } from '../../errors/app-error.ts';
import type { InvitationView } from '../../services/invitations/invitation-model.ts';
import type { InviteInput, InviteRefusal } from '../../services/invitations/invitations.ts';
import { type ActionActor, type ActionDeps, auditAction } from './actor.ts';

/** The invitation, if this actor may act on it; any other id is "not found". */
export async function visibleInvitation(deps: Pick<ActionDeps, 'invitations'>, actor: ActionActor, id: string): Promise<InvitationView> {
  const invitation = await deps.invitations.get(id);
  if (!invitation || !actor.sites.includes(invitation.siteId)) throw new AppError('not_found', 404);
  return invitation;
}

/** Invites one person to one of the actor's sites; the email goes through the outbox. */
export async function invitePerson(
  deps: ActionDeps,
  ctx: Context | undefined,
  actor: ActionActor,
  input: InviteInput,
): Promise<{ status: 'ok'; invitation: InvitationView } | { status: 'refused'; reason: InviteRefusal | 'not_your_site' }> {
  if (!actor.sites.includes(input.siteId)) return { status: 'refused', reason: 'not_your_site' };
  const outcome = await deps.invitations.invite(input, { id: actor.account.id, label: actor.displayName });
  if (outcome.status === 'refused') return outcome;
  auditAction(deps, ctx, actor, {
    action: 'admin.invitation.create',
    outcome: 'queued',
    site: input.siteId,
    detail: { invitation: outcome.invitation.id, email: outcome.invitation.email, role: input.role },
  });
  return outcome;
}

/** A new link by email (the old one stops working); a redeemed or revoked invitation is final. */
export async function resendInvitation(
  deps: ActionDeps,
  ctx: Context | undefined,
  actor: ActionActor,
  invitation: InvitationView,
): Promise<{ status: 'ok'; invitation: InvitationView } | { status: 'refused'; reason: 'final' | 'not_found' }> {
  const outcome = await deps.invitations.resend(invitation.id, { label: actor.displayName });
  auditAction(deps, ctx, actor, {
    action: 'admin.invitation.resend',
    outcome: outcome.status === 'ok' ? 'queued' : outcome.reason,
    site: invitation.siteId,
    detail: { invitation: invitation.id, email: invitation.email },
  });
  return outcome;
}

/** Ends the invitation: its link no longer works. */
export async function revokeInvitation(
  deps: ActionDeps,
  ctx: Context | undefined,
  actor: ActionActor,
  invitation: InvitationView,
): Promise<'ok' | 'final' | 'not_found'> {
  const outcome = await deps.invitations.revoke(invitation.id, { id: actor.account.id });
  auditAction(deps, ctx, actor, {
    action: 'admin.invitation.revoke',
    outcome,
    site: invitation.siteId,
    detail: { invitation: invitation.id, email: invitation.email },
  });
  return outcome;
}
