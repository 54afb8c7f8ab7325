import type { Config } from '../config/schema.ts';
import type { createCsrf } from '../http/csrf.ts';
import type { Renderer } from '../http/render.ts';
import type { AccountService } from '../services/accounts.ts';
import type { AuditLog } from '../services/audit/audit-log.ts';
import type { Lockout } from '../services/lockout.ts';
import type { Mailer } from '../services/mail/mailer.ts';
import type { MfaService } from '../services/mfa/mfa-service.ts';
import type { OneTimeCodes } from '../services/one-time-codes.ts';
import type { PasswordService } from '../services/passwords.ts';
import type { SessionService } from '../services/sessions.ts';
import type { SiteDirectory } from '../services/sites.ts';
import type { Store } from '../store/port.ts';
import type { PortalAuth } from './portal-auth.ts';

/** What the self-service portal's pages need, passed down from compose.ts. */
export interface PortalDeps {
  config: Config;
  store: Store;
  render: Renderer;
  csrf: ReturnType<typeof createCsrf>;
  accounts: AccountService;
  sites: SiteDirectory;
  passwords: PasswordService;
  audit: AuditLog;
  mailer: Mailer;
  /** How many tries (recovery, Change Password) and what unlocking clears. */
  lockout: Lockout;
  auth: PortalAuth;
  sessions: SessionService;
  mfa: MfaService;
  /** The one-time-code service: the code that proves a new email address or phone number. */
  codes: OneTimeCodes;
}
