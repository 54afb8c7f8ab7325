import { z } from 'zod';
import type { ActionDeps } from '../../admin/actions/actor.ts';
import type { AuditLog } from '../../services/audit/audit-log.ts';
import { CursorError } from '../../services/paging.ts';
import type { WebhookService } from '../../services/webhooks/webhook-service.ts';
import { ApiProblem } from '../problem.ts';

/** What the API's routes need: the console's action services, and the audit log to query. */
export type ApiRouteDeps = ActionDeps & { audit: AuditLog; webhooks?: WebhookService };

export const cursorParam = z.string().max(400).optional();
export const limitParam = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);

/** A cursor that is not one admit made (edited, truncated, from another list) is a 400 problem, never a silent first page. */
export async function withCursor<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (problem) {
    if (problem instanceof CursorError) throw new ApiProblem(400, 'invalid_cursor', problem.message);
    throw problem;
  }
}

export const noContent = { 204: { description: 'Done.' } };
