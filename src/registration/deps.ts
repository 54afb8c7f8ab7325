import type { Config } from '../config/schema.ts';
import type { createCsrf } from '../http/csrf.ts';
import type { Renderer } from '../http/render.ts';
import type { FirstPartySignIn } from '../oidc/first-party-sign-in.ts';
import type { AccountService } from '../services/accounts.ts';
import type { AccessRequests } from '../services/approvals/access-requests.ts';
import type { FederatedSignUpPassCookie } from '../services/approvals/federated-signup-pass.ts';
import type { AuditLog } from '../services/audit/audit-log.ts';
import type { InvitationCookie } from '../services/invitations/invitation-cookie.ts';
import type { InvitationService } from '../services/invitations/invitations.ts';
import type { Lockout } from '../services/lockout.ts';
import type { Mailer } from '../services/mail/mailer.ts';
import type { OneTimeCodes } from '../services/one-time-codes.ts';
import type { PasswordCheckResult, PolicyRule } from '../services/password-policy/policy.ts';
import type { SiteDirectory } from '../services/sites.ts';
import type { Store } from '../store/port.ts';
import type { SignupFlows } from './signup-flow.ts';

/** A site's password rules, to show and to check a new password against. */
export interface PasswordRules {
  rules(): PolicyRule[];
  check(password: string, context: { username?: string }): Promise<PasswordCheckResult>;
}

/** What "User Registration" and the invitation pages need, passed down from compose.ts. */
export interface RegistrationDeps {
  config: Config;
  store: Store;
  render: Renderer;
  csrf: ReturnType<typeof createCsrf>;
  accounts: AccountService;
  sites: SiteDirectory;
  audit: AuditLog;
  mailer: Mailer;
  /** How many tries (a directory password guessed at registration). */
  lockout: Lockout;
  requests: AccessRequests;
  invitations: InvitationService;
  invitationCookie: InvitationCookie;
  /** The identity a federated sign-in proved, for a request to a federated site (see federated-signup-pass.ts). */
  signUpPass: FederatedSignUpPassCookie;
  flows: SignupFlows;
  /** The one-time-code service: the emailed code that proves the address. */
  codes: OneTimeCodes;
  /** Ends an invitation: a sign-in through admit that runs every gate (MFA enrollment, password change). */
  welcome: FirstPartySignIn;
  passwordRules(siteId: string): PasswordRules;
}
