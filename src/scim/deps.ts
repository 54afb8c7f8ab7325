import type { Context } from 'koa';
import type { AccountService } from '../services/accounts.ts';
import type { AuditEvent, AuditLog } from '../services/audit/audit-log.ts';
import type { ScimTokens } from '../services/scim-tokens.ts';
import type { Site, SiteDirectory } from '../services/sites.ts';
import type { Throttle } from '../services/throttle.ts';
import type { Store } from '../store/port.ts';

/** What the SCIM endpoint is built from (the composition root hands it over). */
export interface ScimDeps {
  store: Store;
  accounts: AccountService;
  sites: SiteDirectory;
  audit: AuditLog;
  tokens: ScimTokens;
  throttle: Throttle;
  /** Ends the account's SSO sessions and the grants (refresh tokens) they gave: what deprovisioning does. */
  signOutEverywhere(accountId: string): Promise<number>;
}

/** One SCIM request: the site of its URL (its token checked) and the URL SCIM resources live under. */
export interface ScimCall {
  ctx: Context;
  site: Site;
  siteId: string;
  /** https://admit.example/scim/v2/SITE, for meta.location. */
  base: string;
}

export const ACTOR = 'scim';

/** Every change is audited with the actor "scim" and the site, so audit-derived webhooks see them. */
export function auditScim(deps: ScimDeps, call: ScimCall, event: Omit<AuditEvent, 'actor' | 'site'>): void {
  void deps.audit.record(call.ctx, { ...event, site: call.siteId, actor: ACTOR });
}
