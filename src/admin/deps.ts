import type { Context } from 'koa';
import type { Config } from '../config/schema.ts';
import type { createCsrf } from '../http/csrf.ts';
import type { Renderer } from '../http/render.ts';
import type { FirstPartySignIn } from '../oidc/first-party-sign-in.ts';
import type { AccountService } from '../services/accounts.ts';
import type { AccessRequests } from '../services/approvals/access-requests.ts';
import type { AuditLog } from '../services/audit/audit-log.ts';
import type { InvitationService } from '../services/invitations/invitations.ts';
import type { Lockout } from '../services/lockout.ts';
import type { Mailer } from '../services/mail/mailer.ts';
import type { Outbox } from '../services/outbox/outbox.ts';
import type { SessionService } from '../services/sessions.ts';
import type { SiteDirectory } from '../services/sites.ts';
import type { WebhookService } from '../services/webhooks/webhook-service.ts';
import type { Store } from '../store/port.ts';
import type { AdminSessions } from './admin-session.ts';
import type { ClientRegistry } from './client-registry.ts';

/**
 * What the MFA service offers the console. Optional so the console works
 * before MFA is wired; the buttons are hidden then.
 */
export interface AdminMfaActions {
  resetMfa(ctx: Context | undefined, accountId: string): Promise<void>;
  revokeTrustedBrowsers(accountId: string): Promise<unknown>;
  listFactors?(
    accountId: string,
  ): Promise<{ name: string; type: string; isDefault: boolean; methods?: string[]; phone?: string; createdAt?: string; lastUsedAt?: string }[]>;
}

export interface AdminDeps {
  config: Config;
  render: Renderer;
  csrf: ReturnType<typeof createCsrf>;
  store: Store;
  accounts: AccountService;
  sites: SiteDirectory;
  audit: AuditLog;
  mailer: Mailer;
  /** Every message leaving admit: the console's Outbox page lists and resends them. */
  outbox: Outbox;
  /** What an admin's Unlock clears. */
  lockout: Lockout;
  invitations: InvitationService;
  requests: AccessRequests;
  clients: ClientRegistry;
  /** Ends an account's SSO sessions and the grants (refresh tokens) they gave. */
  signOutEverywhere(accountId: string): Promise<number>;
  adminSessions: AdminSessions;
  signIn: FirstPartySignIn;
  /** True once an MFA step is part of the sign-in: the console then requires acr urn:admit:acr:mfa. */
  requireMfa: boolean;
  mfa?: AdminMfaActions;
  /** An account's SSO sessions, for the user page (read only; signing out is signOutEverywhere). */
  sessions?: Pick<SessionService, 'list'>;
  /** Event webhooks per site: the Webhooks page (hidden when absent). */
  webhooks?: WebhookService;
}
