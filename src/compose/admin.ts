import type Router from '@koa/router';
import type Provider from 'oidc-provider';
import { createAdminSessions } from '../admin/admin-session.ts';
import { createClientRegistry } from '../admin/client-registry.ts';
import type { AdminMfaActions } from '../admin/deps.ts';
import { CONSOLE_CLIENT_ID, WELCOME_CLIENT_ID } from '../admin/internal-clients.ts';
import { adminRoutes } from '../admin/routes.ts';
import { apiClientsOf } from '../api/api-clients.ts';
import { managementApiRoutes } from '../api/router.ts';
import { apiResourceOf } from '../api/scopes.ts';
import type { Config } from '../config/schema.ts';
import { approvalStep } from '../flows/approval/step.ts';
import type { SignInStep } from '../flows/deps.ts';
import type { createCsrf } from '../http/csrf.ts';
import type { Renderer } from '../http/render.ts';
import { createFirstPartySignIn } from '../oidc/first-party-sign-in.ts';
import { registrationRoutes } from '../registration/routes.ts';
import { createSignupFlows } from '../registration/signup-flow.ts';
import type { AccountService } from '../services/accounts.ts';
import { createAccessRequests } from '../services/approvals/access-requests.ts';
import { createAdmission } from '../services/approvals/admission.ts';
import { createFederatedSignUpPass } from '../services/approvals/federated-signup-pass.ts';
import type { AuditLog } from '../services/audit/audit-log.ts';
import { createInvitationCookie } from '../services/invitations/invitation-cookie.ts';
import { createInvitationService } from '../services/invitations/invitations.ts';
import type { Lockout } from '../services/lockout.ts';
import type { Mailer } from '../services/mail/mailer.ts';
import type { OneTimeCodes } from '../services/one-time-codes.ts';
import type { Outbox } from '../services/outbox/outbox.ts';
import { createCommonPasswordList } from '../services/password-policy/common-passwords.ts';
import { createPasswordPolicy } from '../services/password-policy/policy.ts';
import type { SessionService } from '../services/sessions.ts';
import type { SiteDirectory } from '../services/sites.ts';
import { createThrottle } from '../services/throttle.ts';
import type { WebhookService } from '../services/webhooks/webhook-service.ts';
import type { Store } from '../store/port.ts';

/**
 * Invitations, access requests and the approval gate: built before the
 * provider, because the gate is a sign-in step (and an oidc-provider check)
 * and the sign-in's first factor asks it which account someone is.
 */
export function createApprovalServices(deps: {
  store: Store;
  accounts: AccountService;
  sites: SiteDirectory;
  mailer: Mailer;
  outbox: Outbox;
  audit: AuditLog;
  masterSecret: string;
  issuer: string;
}) {
  const invitations = createInvitationService({ store: deps.store, accounts: deps.accounts, sites: deps.sites, outbox: deps.outbox, issuer: deps.issuer });
  const requests = createAccessRequests({
    store: deps.store,
    accounts: deps.accounts,
    sites: deps.sites,
    mailer: deps.mailer,
    outbox: deps.outbox,
    issuer: deps.issuer,
  });
  const invitationCookie = createInvitationCookie({ masterSecret: deps.masterSecret });
  const signUpPass = createFederatedSignUpPass({ masterSecret: deps.masterSecret });
  const admission = createAdmission({ accounts: deps.accounts, sites: deps.sites, invitations, invitationCookie, audit: deps.audit });
  const step: SignInStep = approvalStep({ accounts: deps.accounts });
  return { invitations, requests, invitationCookie, signUpPass, admission, step };
}

export type ApprovalServices = ReturnType<typeof createApprovalServices>;

/** The admin console and the registration / invitation pages, once the provider exists. */
export function createAdminRouters(deps: {
  config: Config;
  store: Store;
  provider: Provider;
  render: Renderer;
  csrf: ReturnType<typeof createCsrf>;
  accounts: AccountService;
  sites: SiteDirectory;
  audit: AuditLog;
  mailer: Mailer;
  outbox: Outbox;
  lockout: Lockout;
  approval: ApprovalServices;
  steps: SignInStep[];
  masterSecret: string;
  mfa?: AdminMfaActions;
  codes: OneTimeCodes;
  /** The one session service (compose.ts builds it with the provider). */
  sessions: SessionService;
  webhooks?: WebhookService;
}): Router[] {
  const { config, store, provider } = deps;
  const issuer = config.server.issuer;
  const { sessions } = deps;
  const commonPasswords = createCommonPasswordList();
  const policies = new Map(deps.sites.all().map(({ config: site }) => [site.id, createPasswordPolicy(site.passwordPolicy, { commonPasswords })]));
  const common = {
    config,
    render: deps.render,
    csrf: deps.csrf,
    accounts: deps.accounts,
    sites: deps.sites,
    audit: deps.audit,
    mailer: deps.mailer,
    lockout: deps.lockout,
  };

  // What the console's actions act through: the console and the management API share them (admin/actions).
  const actionServices = {
    outbox: deps.outbox,
    invitations: deps.approval.invitations,
    requests: deps.approval.requests,
    clients: createClientRegistry({ store, configClients: config.clients }),
    signOutEverywhere: (accountId: string) => sessions.signOutEverywhere(accountId),
    mfa: deps.mfa,
  };
  const admin = adminRoutes({
    ...common,
    ...actionServices,
    store,
    sessions,
    adminSessions: createAdminSessions({ store, accounts: deps.accounts, allSiteIds: () => deps.sites.list().map((site) => site.id), ...config.admin }),
    signIn: createFirstPartySignIn({ provider, store, issuer, clientId: CONSOLE_CLIENT_ID, callbackPath: '/admin/callback', cookieName: 'admit.admin-state' }),
    requireMfa: deps.steps.some((step) => step.name === 'mfa'),
    webhooks: deps.webhooks,
  });
  const registration = registrationRoutes({
    ...common,
    store,
    requests: deps.approval.requests,
    invitations: deps.approval.invitations,
    invitationCookie: deps.approval.invitationCookie,
    signUpPass: deps.approval.signUpPass,
    codes: deps.codes,
    flows: createSignupFlows({ store, codes: deps.codes }),
    welcome: createFirstPartySignIn({ provider, store, issuer, clientId: WELCOME_CLIENT_ID, callbackPath: '/invite/done', cookieName: 'admit.welcome-state' }),
    passwordRules: (siteId) => {
      const policy = policies.get(siteId);
      if (!policy) throw new Error(`no site ${siteId}`);
      // A first password has no old one and no history: those rules are not shown.
      return {
        rules: () => policy.rules().filter((rule) => rule.id !== 'oldPasswordRun' && rule.id !== 'history'),
        check: (password, context) => policy.check(password, context),
      };
    },
  });
  const apiClients = apiClientsOf(config.clients);
  const api = managementApiRoutes({
    ...common,
    ...actionServices,
    provider,
    store,
    throttle: createThrottle({ store }),
    issuer,
    resource: apiResourceOf(issuer),
    apiClients: () => apiClients,
    allSiteIds: () => deps.sites.list().map((site) => site.id),
    settings: config.managementApi,
    webhooks: deps.webhooks,
  });
  return [admin, registration, api];
}
