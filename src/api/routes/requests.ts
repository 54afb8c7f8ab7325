import { z } from 'zod';
import { decidableRequest, decideRequest, decideRequests } from '../../admin/actions/request-decisions.ts';
import { denyReason, requestIds } from '../../admin/actions/schemas.ts';
import { QUEUE_PAGE } from '../../services/approvals/access-requests.ts';
import { route } from '../define.ts';
import { ApiProblem } from '../problem.ts';
import { accessRequestView, pageOf, toAccessRequest } from '../views.ts';
import { type ApiRouteDeps, cursorParam, limitParam, withCursor } from './common.ts';

const listQuery = z
  .object({
    status: z.enum(['pending', 'decided']).default('pending'),
    order: z.enum(['oldest', 'newest']).optional(),
    cursor: cursorParam,
    limit: limitParam(QUEUE_PAGE, QUEUE_PAGE),
  })
  .strict();

const decisionResult = z.object({ request: accessRequestView, outcome: z.enum(['ok', 'already_decided']) });
const denyBody = z.object({ reason: denyReason }).strict();
const bulkBody = z
  .object({ ids: requestIds, decision: z.enum(['approve', 'deny']), reason: z.string().trim().max(500).optional().default('') })
  .strict()
  .refine((body) => body.decision === 'approve' || body.reason !== '', { message: 'Give a reason to deny the selected requests.', path: ['reason'] });
const tally = z.object({ approved: z.number().int(), denied: z.number().int(), already: z.number().int() });

export function requestRoutes(deps: ApiRouteDeps) {
  const decided = async (id: string) => toAccessRequest((await deps.requests.get(id))!);
  return [
    route({
      method: 'get',
      path: '/access-requests',
      operationId: 'listAccessRequests',
      summary: "The caller's sites' access requests: waiting (oldest first by default) or decided (newest first)",
      tag: 'Access requests',
      scope: 'admit:requests:read',
      query: listQuery,
      responses: { 200: { description: 'A page of access requests.', schema: pageOf(accessRequestView) } },
      async run(ctx, { query }, { actor }) {
        const isDecided = query.status === 'decided';
        const order = query.order ?? (isDecided ? 'newest' : 'oldest');
        const page = await withCursor(() =>
          deps.requests.list(actor.sites, { decided: isDecided, cursor: query.cursor, limit: query.limit, newestFirst: order === 'newest' }),
        );
        ctx.body = { items: page.items.map(toAccessRequest), next_cursor: page.next };
      },
    }),
    route({
      method: 'get',
      path: '/access-requests/:id',
      operationId: 'getAccessRequest',
      summary: 'One access request',
      tag: 'Access requests',
      scope: 'admit:requests:read',
      responses: { 200: { description: 'The request.', schema: accessRequestView } },
      async run(ctx, { id }, { actor }) {
        ctx.body = toAccessRequest(await decidableRequest(deps, actor, id));
      },
    }),
    route({
      method: 'post',
      path: '/access-requests/:id/approve',
      operationId: 'approveAccessRequest',
      summary: 'Approve a request: the account becomes active and the person is told by email (the first decision wins)',
      tag: 'Access requests',
      scope: 'admit:requests:write',
      responses: { 200: { description: 'The decision.', schema: decisionResult } },
      async run(ctx, { id }, { actor }) {
        const request = await decidableRequest(deps, actor, id);
        const outcome = await decideRequest(deps, ctx, actor, request, 'approve');
        ctx.body = { request: await decided(request.id), outcome };
      },
    }),
    route({
      method: 'post',
      path: '/access-requests/:id/deny',
      operationId: 'denyAccessRequest',
      summary: 'Deny a request with a reason the person is told by email (the first decision wins)',
      tag: 'Access requests',
      scope: 'admit:requests:write',
      body: denyBody,
      responses: { 200: { description: 'The decision.', schema: decisionResult } },
      async run(ctx, { id, body }, { actor }) {
        const request = await decidableRequest(deps, actor, id);
        const outcome = await decideRequest(deps, ctx, actor, request, 'deny', { reason: body.reason });
        ctx.body = { request: await decided(request.id), outcome };
      },
    }),
    route({
      method: 'post',
      path: '/access-requests/decisions',
      operationId: 'decideAccessRequests',
      summary: `Approve or deny up to ${QUEUE_PAGE} requests with one reason; one of another site (or unknown) and nothing is decided`,
      tag: 'Access requests',
      scope: 'admit:requests:write',
      body: bulkBody,
      responses: { 200: { description: 'How many were decided, and how many were already.', schema: tally } },
      async run(ctx, { body }, { actor }) {
        const outcome = await decideRequests(deps, ctx, actor, body.ids, body.decision, body.reason);
        if (outcome.status === 'not_yours')
          throw new ApiProblem(404, 'not_found', 'A named request is unknown or of a site this client does not manage; nothing was decided.');
        ctx.body = outcome.tally;
      },
    }),
  ];
}
