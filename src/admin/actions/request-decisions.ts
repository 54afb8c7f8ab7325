import type { Context } from 'koa';
import { AppError } from '../../errors/app-error.ts';
import type { AccessRequestView } from '../../services/approvals/access-requests.ts';
import { type ActionActor, type ActionDeps, auditAction } from './actor.ts';

export type Decision = 'approve' | 'deny';

/** The request, if this actor may decide it; any other id is "not found". */
export async function decidableRequest(deps: Pick<ActionDeps, 'requests'>, actor: ActionActor, id: string): Promise<AccessRequestView> {
  const request = await deps.requests.get(id);
  if (!request || !actor.sites.includes(request.siteId)) throw new AppError('not_found', 404);
  return request;
}

/**
 * Approves or denies one request (first decision wins, its email through the
 * outbox), audited as the console always has; `bulk` marks one of several.
 */
export async function decideRequest(
  deps: ActionDeps,
  ctx: Context | undefined,
  actor: ActionActor,
  request: AccessRequestView,
  decision: Decision,
  options: { reason?: string; bulk?: boolean } = {},
): Promise<'ok' | 'already_decided'> {
  const reason = options.reason ?? '';
  const outcome =
    decision === 'approve' ? await deps.requests.approve(request.id, actor.account.id) : await deps.requests.deny(request.id, actor.account.id, reason);
  auditAction(deps, ctx, actor, {
    action: decision === 'approve' ? 'admin.request.approve' : 'admin.request.deny',
    outcome: outcome.status,
    site: request.siteId,
    username: request.username,
    accountId: request.accountId,
    detail: { request: request.id, email: request.email, ...(decision === 'deny' ? { reason } : {}), ...(options.bulk ? { bulk: true } : {}) },
  });
  return outcome.status === 'ok' ? 'ok' : 'already_decided';
}

export interface DecisionTally {
  approved: number;
  denied: number;
  already: number;
}

/**
 * Decides several requests with one reason. Every id is checked first
 * (known, of the actor's sites; duplicates count once), so naming another
 * site's request changes nothing (`not_yours`); then each is decided in turn
 * by the single decision's path.
 */
export async function decideRequests(
  deps: ActionDeps,
  ctx: Context | undefined,
  actor: ActionActor,
  ids: readonly string[],
  decision: Decision,
  reason: string,
): Promise<{ status: 'not_yours' } | { status: 'ok'; tally: DecisionTally }> {
  const unique = [...new Set(ids)];
  const requests = await Promise.all(unique.map((one) => deps.requests.get(one)));
  if (requests.some((request) => !request || !actor.sites.includes(request.siteId))) return { status: 'not_yours' };
  const tally: DecisionTally = { approved: 0, denied: 0, already: 0 };
  // One at a time: the outbox and the audit log see them in order.
  for (const request of requests as AccessRequestView[]) {
    const outcome = await decideRequest(deps, ctx, actor, request, decision, { reason, bulk: true });
    if (outcome !== 'ok') tally.already += 1;
    else if (decision === 'approve') tally.approved += 1;
    else tally.denied += 1;
  }
  return { status: 'ok', tally };
}
