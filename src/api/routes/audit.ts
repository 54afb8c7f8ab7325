import { Readable } from 'node:stream';
import { z } from 'zod';
import { auditAction } from '../../admin/actions/actor.ts';
import { type AuditFilterQuery, auditFilterOf, auditFilterQuery, FilterError } from '../../admin/actions/audit-filter.ts';
import { messages } from '../../errors/messages.ts';
import { auditCsvHeader, auditCsvRow } from '../../services/audit/audit-csv.ts';
import { route } from '../define.ts';
import { ApiProblem } from '../problem.ts';
import { auditEventView, pageOf, toAuditEvent } from '../views.ts';
import { type ApiRouteDeps, cursorParam, limitParam, withCursor } from './common.ts';

/** The console's audit filter (actions/audit-filter.ts), with a cursor and a page size. */
const pageQuery = auditFilterQuery.extend({ cursor: cursorParam, limit: limitParam(500, 100) }).strict();
const exportQuery = auditFilterQuery.extend({ format: z.enum(['jsonl', 'csv']).default('jsonl') }).strict();

export function auditRoutes(deps: ApiRouteDeps) {
  const filtered = (actor: Parameters<typeof auditFilterOf>[0], query: AuditFilterQuery) => {
    try {
      return auditFilterOf(actor, query, deps.audit.retentionDays);
    } catch (problem) {
      if (problem instanceof FilterError) throw new ApiProblem(400, 'invalid_request', messages[problem.code]);
      throw problem;
    }
  };
  return [
    route({
      method: 'get',
      path: '/audit/events',
      operationId: 'queryAudit',
      summary: "Audit events of the caller's sites (default: the last 7 days), newest first, by day, site, user, action and outcome",
      tag: 'Audit',
      scope: 'admit:audit:read',
      query: pageQuery,
      responses: { 200: { description: 'A page of events.', schema: pageOf(auditEventView) } },
      async run(ctx, { query }, { actor }) {
        const { cursor, limit, ...filter } = query;
        const page = await withCursor(() => deps.audit.page(filtered(actor, filter).filter, { cursor, limit }));
        ctx.body = { items: page.items.map(toAuditEvent), next_cursor: page.next };
      },
    }),
    route({
      method: 'get',
      path: '/audit/export',
      operationId: 'exportAudit',
      summary: 'Every event the filter matches as JSON Lines or CSV, streamed a batch at a time (no row cap)',
      tag: 'Audit',
      scope: 'admit:audit:read',
      query: exportQuery,
      responses: {
        200: { description: 'One event a line (JSON Lines), or CSV with a header row.', contentType: 'application/jsonl', schema: auditEventView },
      },
      async run(ctx, { query }, { actor }) {
        const { format, ...raw } = query;
        const { filter, values } = filtered(actor, raw);
        auditAction(deps, ctx, actor, { action: 'admin.audit.export', outcome: 'ok', site: filter.site, detail: { ...values, format } });
        const batches = deps.audit.batches(filter);
        async function* body(): AsyncGenerator<string> {
          if (format === 'csv') yield auditCsvHeader();
          for await (const batch of batches) {
            yield batch.map(({ event }) => (format === 'csv' ? auditCsvRow(event) : `${JSON.stringify(toAuditEvent(event))}\n`)).join('');
          }
        }
        ctx.set('content-disposition', `attachment; filename="admit-audit-${values.from}-to-${values.to}.${format}"`);
        ctx.type = format === 'csv' ? 'text/csv; charset=utf-8' : 'application/jsonl; charset=utf-8';
        ctx.body = Readable.from(body(), { objectMode: false });
      },
    }),
  ];
}
