import { z } from 'zod';
import { outboxScopeOf, resendMessage, visibleMessage } from '../../admin/actions/outbox-actions.ts';
import { route } from '../define.ts';
import { ApiProblem } from '../problem.ts';
import { outboxMessageView, pageOf, toOutboxMessage } from '../views.ts';
import type { ApiRouteDeps } from './common.ts';

/** The outbox's own cursor (score:id, as its list makes it). */
const listQuery = z
  .object({
    cursor: z
      .string()
      .regex(/^\d+:[\w-]{1,64}$/, 'That page link is not valid any more. Start again from the first page.')
      .optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
  })
  .strict();

export function outboxRoutes(deps: ApiRouteDeps) {
  return [
    route({
      method: 'get',
      path: '/outbox',
      operationId: 'listOutbox',
      summary: "Messages admit sent or is sending for the caller's sites (every message for a global client), newest first, with their delivery state",
      tag: 'Outbox',
      scope: 'admit:outbox:read',
      query: listQuery,
      responses: { 200: { description: 'A page of messages (their content stays sealed).', schema: pageOf(outboxMessageView) } },
      async run(ctx, { query }, { actor }) {
        const page = await deps.outbox.list({ siteIds: outboxScopeOf(actor), limit: query.limit, before: query.cursor });
        ctx.body = { items: page.messages.map(toOutboxMessage), next_cursor: page.next };
      },
    }),
    route({
      method: 'get',
      path: '/outbox/:id',
      operationId: 'getOutboxMessage',
      summary: "One message's delivery state",
      tag: 'Outbox',
      scope: 'admit:outbox:read',
      responses: { 200: { description: 'The message.', schema: outboxMessageView } },
      async run(ctx, { id }, { actor }) {
        ctx.body = toOutboxMessage(await visibleMessage(deps, actor, id));
      },
    }),
    route({
      method: 'post',
      path: '/outbox/:id/resend',
      operationId: 'resendOutboxMessage',
      summary: 'Send a delivered or failed message again, as a new message',
      tag: 'Outbox',
      scope: 'admit:outbox:write',
      responses: { 201: { description: 'The new message, queued.', schema: outboxMessageView } },
      async run(ctx, { id }, { actor }) {
        const outcome = await resendMessage(deps, ctx, actor, await visibleMessage(deps, actor, id));
        if (typeof outcome !== 'object')
          throw new ApiProblem(409, 'not_resent', 'This message cannot be sent again (it is still pending, or its cause is gone).');
        ctx.status = 201;
        ctx.set('location', `/api/v1/outbox/${encodeURIComponent(outcome.id)}`);
        ctx.body = toOutboxMessage(outcome);
      },
    }),
  ];
}
