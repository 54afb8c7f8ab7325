import { z } from 'zod';
import { invitePerson, resendInvitation, revokeInvitation, visibleInvitation } from '../../admin/actions/invitation-actions.ts';
import { groupNames, inviteFields } from '../../admin/actions/schemas.ts';
import { INVITATIONS_PAGE } from '../../services/invitations/invitations.ts';
import { route } from '../define.ts';
import { ApiProblem } from '../problem.ts';
import { invitationView, pageOf, toInvitation } from '../views.ts';
import { type ApiRouteDeps, cursorParam, limitParam, withCursor } from './common.ts';

/** The console's invitation form (actions/schemas.ts) with its groups as an array. */
const inviteBody = z.object({ ...inviteFields, groups: groupNames.default([]) }).strict();
const listQuery = z.object({ cursor: cursorParam, limit: limitParam(100, INVITATIONS_PAGE) }).strict();

const refusals = {
  already_member: 'already has an account in this site',
  already_invited: 'already has an open invitation to this site',
  unknown_site: 'names no site',
} as const;

export function invitationRoutes(deps: ApiRouteDeps) {
  return [
    route({
      method: 'get',
      path: '/invitations',
      operationId: 'listInvitations',
      summary: "The caller's sites' invitations, newest first",
      tag: 'Invitations',
      scope: 'admit:invitations:read',
      query: listQuery,
      responses: { 200: { description: 'A page of invitations.', schema: pageOf(invitationView) } },
      async run(ctx, { query }, { actor }) {
        const page = await withCursor(() => deps.invitations.list(actor.sites, { cursor: query.cursor, limit: query.limit }));
        ctx.body = { items: page.items.map(toInvitation), next_cursor: page.next };
      },
    }),
    route({
      method: 'get',
      path: '/invitations/:id',
      operationId: 'getInvitation',
      summary: 'One invitation',
      tag: 'Invitations',
      scope: 'admit:invitations:read',
      responses: { 200: { description: 'The invitation.', schema: invitationView } },
      async run(ctx, { id }, { actor }) {
        ctx.body = toInvitation(await visibleInvitation(deps, actor, id));
      },
    }),
    route({
      method: 'post',
      path: '/invitations',
      operationId: 'createInvitation',
      summary: "Invite one person to one of the caller's sites; the email goes through the outbox",
      tag: 'Invitations',
      scope: 'admit:invitations:write',
      body: inviteBody,
      responses: { 201: { description: 'The invitation, queued.', schema: invitationView } },
      async run(ctx, { body }, { actor }) {
        const { site: siteId, ...input } = body;
        const outcome = await invitePerson(deps, ctx, actor, { siteId, ...input });
        if (outcome.status === 'refused') {
          if (outcome.reason === 'not_your_site' || outcome.reason === 'unknown_site') throw new ApiProblem(404, 'not_found', `No site ${siteId}.`);
          throw new ApiProblem(409, outcome.reason, `${input.email} ${refusals[outcome.reason]}.`);
        }
        ctx.status = 201;
        ctx.set('location', `/api/v1/invitations/${encodeURIComponent(outcome.invitation.id)}`);
        ctx.body = toInvitation(outcome.invitation);
      },
    }),
    route({
      method: 'post',
      path: '/invitations/:id/resend',
      operationId: 'resendInvitation',
      summary: 'Send a new link (the old one stops working)',
      tag: 'Invitations',
      scope: 'admit:invitations:write',
      responses: { 200: { description: 'The invitation with its new link queued.', schema: invitationView } },
      async run(ctx, { id }, { actor }) {
        const outcome = await resendInvitation(deps, ctx, actor, await visibleInvitation(deps, actor, id));
        if (outcome.status === 'refused') throw new ApiProblem(409, 'invitation_final', 'This invitation was already redeemed or revoked.');
        ctx.body = toInvitation(outcome.invitation);
      },
    }),
    route({
      method: 'post',
      path: '/invitations/:id/revoke',
      operationId: 'revokeInvitation',
      summary: 'Revoke an invitation: its link no longer works',
      tag: 'Invitations',
      scope: 'admit:invitations:write',
      responses: { 200: { description: 'The invitation, revoked.', schema: invitationView } },
      async run(ctx, { id }, { actor }) {
        const outcome = await revokeInvitation(deps, ctx, actor, await visibleInvitation(deps, actor, id));
        if (outcome !== 'ok') throw new ApiProblem(409, 'invitation_final', 'This invitation was already redeemed or revoked.');
        ctx.body = toInvitation((await deps.invitations.get(id))!);
      },
    }),
  ];
}
