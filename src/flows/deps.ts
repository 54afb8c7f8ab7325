import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Config } from '../config/schema.ts';
import type { createCsrf } from '../http/csrf.ts';
import type { Metrics } from '../http/metrics.ts';
import type { Renderer } from '../http/render.ts';
import type { SessionGate } from '../oidc/interaction-policy.ts';
import type { AccountService } from '../services/accounts.ts';
import type { Admission } from '../services/approvals/admission.ts';
import type { FederatedSignUpPassCookie } from '../services/approvals/federated-signup-pass.ts';
import type { AuditLog } from '../services/audit/audit-log.ts';
import type { Lockout } from '../services/lockout.ts';
import type { Mailer } from '../services/mail/mailer.ts';
import type { SiteDirectory } from '../services/sites.ts';
import type { SignInState } from './sign-in-state.ts';

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
  /** The steps after the first factor, in order (see SignInStep below). */
  steps: SignInStep[];
}

/**
 * A step of the sign-in after the first factor (approval gate, MFA,
 * password change…). Steps run in the order they are registered; the login
 * is finished only when no step is still needed. A step owns the pages under
 * /interaction/:uid/<name>/… and, when done, records it in the state and calls
 * `continueSignIn` again. It lives beside FlowDeps because each names the
 * other: the deps carry the steps, and a step's routes get the deps.
 */
export interface SignInStep extends SessionGate {
  /** Whether this sign-in still has to pass this step. */
  isNeeded(ctx: Context, state: SignInState): Promise<boolean>;
  /** The sign-in was cancelled: undo what this step started and did not finish. */
  abandon?(ctx: Context, state: SignInState): Promise<void>;
  /** Adds the step's pages to the interaction router (paths relative to /interaction/:uid). */
  routes(router: Router, deps: FlowDeps): void;
}
