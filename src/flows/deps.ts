import type { FederatedSignUpPassCookie } from '../services/approvals/federated-signup-pass.ts';
import type Provider from 'oidc-provider';
import type { Config } from '../config/schema.ts';
import type { Renderer } from '../http/render.ts';
import type { AccountService } from '../services/accounts.ts';
import type { SiteDirectory } from '../services/sites.ts';
import type { Lockout } from '../services/lockout.ts';
import type { AuditLog } from '../services/audit/audit-log.ts';
import type { Metrics } from '../http/metrics.ts';
import type { createCsrf } from '../http/csrf.ts';
import type { SignInStep } from './sign-in-step.ts';
import type { Mailer } from '../services/mail/mailer.ts';
import type { Admission } from '../services/approvals/admission.ts';

/** What the sign-in steps need, passed down from main.ts. */
export interface FlowDeps {
  config: Config;
  provider: Provider;
  render: Renderer;
  csrf: ReturnType<typeof createCsrf>;
  accounts: AccountService;
  sites: SiteDirectory;
  /** How many tries (sign-in lockout, per-IP limit). */
  lockout: Lockout;
  audit: AuditLog;
  metrics: Metrics;
  mailer: Mailer;
  /** Which account a directory identity is, and whether it may sign in (invitations, approval, sign-up mode). */
  admission: Admission;
  /** Hands a federated identity without an account on to "User Registration". */
  signUpPass: FederatedSignUpPassCookie;
  /** The steps after the first factor, in order (see sign-in-step.ts). */
  steps: SignInStep[];
}
