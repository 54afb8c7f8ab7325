import type { Context } from 'koa';
import type { AuditEvent } from '../../services/audit/audit-log.ts';
import type { AdminUser } from '../admin-session.ts';
import type { AdminDeps } from '../deps.ts';
import type { Actor } from '../role-order.ts';

/**
 * Who performs a console action: a signed-in admin (AdminUser) or an API
 * client acting for its sites. Both meet the same role order (role-order.ts)
 * and are audited the same way, by their label.
 */
export interface ActionActor extends Actor {
  /** How audit entries name the actor: "username@SITE" for an admin, "api:<client_id>" for an API client. */
  label: string;
  /** The name told to a person (an invitation's "invited by"). */
  displayName: string;
}

/** What the shared actions need of admit: the console's services, nothing of its pages. */
export type ActionDeps = Pick<
  AdminDeps,
  'accounts' | 'sites' | 'audit' | 'mailer' | 'lockout' | 'mfa' | 'signOutEverywhere' | 'requests' | 'invitations' | 'outbox' | 'clients'
>;

/** Records an action with who did it (never awaited: record() never rejects, as auditAdmin). */
export function auditAction(deps: Pick<ActionDeps, 'audit'>, ctx: Context | undefined, actor: ActionActor, event: Omit<AuditEvent, 'actor'>): void {
  void deps.audit.record(ctx, { ...event, actor: actor.label });
}

/** The console's signed-in admin as the actor of a shared action. */
export function actorOfAdmin(admin: AdminUser): ActionActor {
  return { account: admin.account, allSites: admin.allSites, sites: admin.sites, label: admin.label, displayName: admin.account.name ?? admin.label };
}
