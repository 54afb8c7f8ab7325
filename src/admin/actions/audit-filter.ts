import { z } from 'zod';
import type { MessageCode } from '../../errors/messages.ts';
import type { AuditFilter } from '../../services/audit/audit-query.ts';
import type { ActionActor } from './actor.ts';

const DAY_MS = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** Messages are codes of the errors namespace: the console shows them in the page's language, the API in English. */
const day = (field: 'from' | 'to') =>
  z
    .string()
    .trim()
    .regex(/^\d{4}-\d{2}-\d{2}$/, `audit_${field}_format`)
    .refine((value) => !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && dayOf(Date.parse(`${value}T00:00:00Z`)) === value, `audit_${field}_calendar`);
const text = (max: number) => z.string().trim().max(max).optional().catch(undefined);

/** The audit log's filter, as the console's page and exports and the management API read it from a query. */
export const auditFilterQuery = z.object({
  user: text(200),
  site: z.string().max(64).optional().catch(undefined),
  action: text(64),
  outcome: text(64),
  from: z.union([z.literal(''), day('from')]).optional(),
  to: z.union([z.literal(''), day('to')]).optional(),
  order: z.union([z.literal(''), z.enum(['newest', 'oldest'])], { message: 'audit_order' }).optional(),
});

export type AuditFilterQuery = z.infer<typeof auditFilterQuery>;

/** A filter that cannot run (a reversed range; a malformed date is the schema's): answered 400; `message` is an errors code. */
export class FilterError extends Error {
  readonly code: MessageCode;
  constructor(code: MessageCode) {
    super(code);
    this.code = code;
  }
}

/**
 * The filter from a parsed query, kept inside the actor's sites and the
 * retention (default: the last 7 days). A reversed range is a FilterError,
 * not a silent default.
 */
export function auditFilterOf(actor: ActionActor, raw: AuditFilterQuery, retentionDays: number): { filter: AuditFilter; values: Record<string, string> } {
  const today = dayOf(Date.now());
  const to = raw.to && raw.to <= today ? raw.to : today;
  const earliest = dayOf(Date.now() - retentionDays * DAY_MS);
  if (raw.from && raw.to && raw.from > raw.to) throw new FilterError('audit_range_reversed');
  const from = raw.from ? [raw.from, earliest].sort()[1]! : dayOf(Date.parse(`${to}T00:00:00Z`) - 6 * DAY_MS);
  const site = raw.site && actor.sites.includes(raw.site) ? raw.site : undefined;
  const filter: AuditFilter = {
    scope: actor.allSites ? { allSites: true } : { allSites: false, sites: actor.sites },
    site,
    user: raw.user || undefined,
    action: raw.action || undefined,
    outcome: raw.outcome || undefined,
    from,
    to,
    ...(raw.order === 'oldest' ? { oldestFirst: true } : {}),
  };
  return {
    filter,
    values: {
      user: raw.user ?? '',
      site: site ?? '',
      action: raw.action ?? '',
      outcome: raw.outcome ?? '',
      from,
      to,
      ...(raw.order === 'oldest' ? { order: 'oldest' } : {}),
    },
  };
}
