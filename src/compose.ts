import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { duoPlugin } from '../plugins/mfa-duo/duo-prompt.ts';
import { createRecoveryCodes } from '../plugins/mfa-recovery/recovery-codes.ts';
import { recoveryMethod } from '../plugins/mfa-recovery/recovery-method.ts';
import { smsMethod } from '../plugins/mfa-sms/sms-method.ts';
import { createTotp } from '../plugins/mfa-totp/totp.ts';
import { totpMethod } from '../plugins/mfa-totp/totp-method.ts';
import { voiceMethod } from '../plugins/mfa-voice/voice-method.ts';
import { createWebAuthnRelyingParty, webAuthnScope } from '../plugins/mfa-webauthn/webauthn.ts';
import { webauthnMethod } from '../plugins/mfa-webauthn/webauthn-method.ts';
import { consoleNotifier } from '../plugins/notify-console/console-notifier.ts';
import { twilioNotifier } from '../plugins/notify-twilio/twilio-notifier.ts';
import { webhookNotifier } from '../plugins/notify-webhook/webhook-notifier.ts';
import { internalClients } from './admin/internal-clients.ts';
import { managementApiResource } from './api/resource.ts';
import { createApp } from './app.ts';
import { emailBranding } from './branding/branded-mail.ts';
import { createAdminRouters, createApprovalServices } from './compose/admin.ts';
import { createAuditTrail } from './compose/audit-trail.ts';
import { resolveMasterSecret } from './config/master-secret.ts';
import type { Config } from './config/schema.ts';
import { connectorFactories } from './connectors.ts';
import type { SignInStep } from './flows/deps.ts';
import { mfaStep } from './flows/mfa/step.ts';
import { passwordChangeStep } from './flows/password-change/step.ts';
import { helpAreas, pageRenderer } from './help/help-areas.ts';
import { createCookieSigner } from './http/cookie-signer.ts';
import { createCsrf } from './http/csrf.ts';
import { createMetrics } from './http/metrics.ts';
import { createRenderer } from './http/render.ts';
import { createLocalizer } from './i18n/index.ts';
import type { DirectoryPlugin } from './kit/connector.ts';
import type { MfaMethod } from './kit/mfa-method.ts';
import type { NotifierPlugin } from './kit/notifier.ts';
import { deriveKey } from './lib/secret-box.ts';
import { createFirstPartySignIn } from './oidc/first-party-sign-in.ts';
import { startLiveSigningKeys } from './oidc/live-signing-keys.ts';
import { PORTAL_CLIENT_ID } from './oidc/portal-client.ts';
import { createProvider } from './oidc/provider.ts';
import { createPortalAuth } from './portal/portal-auth.ts';
import { portalRoutes } from './portal/routes.ts';
import { scimRoutes } from './scim/routes.ts';
import { createAccountService } from './services/accounts.ts';
import { createLockout } from './services/lockout.ts';
import { createMailer, type OutgoingMail } from './services/mail/mailer.ts';
import { createMfaService } from './services/mfa/mfa-service.ts';
import { createNotifier } from './services/mfa/notifiers.ts';
import { createOneTimeCodes } from './services/one-time-codes.ts';
import { backchannelDeliverer, phoneDeliverer, webhookDeliverer } from './services/outbox/deliverers.ts';
import { createOutbox } from './services/outbox/outbox.ts';
import { createOutboxWorker } from './services/outbox/outbox-worker.ts';
import { createPasswordService } from './services/passwords.ts';
import { createSessionService, type SessionService } from './services/sessions.ts';
import { createSiteDirectory } from './services/sites.ts';
import { createWebhookService } from './services/webhooks/webhook-service.ts';
import { createStore } from './store/create-store.ts';
import type { Store } from './store/port.ts';
import { createRequestMemo } from './store/request-memo.ts';

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

/** Opens the configured store and the master secret: what the server and the CLI share. */
export async function openBackends(config: Config): Promise<{ store: Store; masterSecret: string; generatedSecret: boolean }> {
  const { secret, generated } = resolveMasterSecret(config);
  const store = await createStore(config.store.url, config.store.redis);
  return { store, masterSecret: secret, generatedSecret: generated };
}

/** What a caller may put in place of the defaults (tests). */
export interface ComposeOptions {
  /** Where notifiers write their log lines, the console notifier its messages (codes included); the log by default. */
  notifierLog?: (entry: Record<string, unknown>, message: string) => void;
  /** Directory plugins beside the ones this build ships (connectors.ts): a test's own kind. */
  directories?: DirectoryPlugin[];
  /** MFA methods beside the built-in ones (a test's fake method): registered like them, last. */
  mfaMethods?: MfaMethod[];
}

/** The notifier plugins this build ships (plugins/notify-*), one line each; `sms.notifier.kind` picks one. */
export const notifierPlugins = [consoleNotifier, twilioNotifier, webhookNotifier] as NotifierPlugin<never>[];

/**
 * The MFA plugins this build ships: the methods (the one list; a method is one line here and
 * one plugin folder) and the engines they check with.
 */
export function mfaPlugins(issuer: string, extra: MfaMethod[] = []) {
  return {
    methods: [smsMethod, voiceMethod, totpMethod, webauthnMethod, recoveryMethod, ...extra],
    engines: {
      totp: createTotp(),
      recoveryCodes: createRecoveryCodes(),
      duo: duoPlugin,
      webauthn: createWebAuthnRelyingParty({ rpName: 'Customer & Partner Center', ...webAuthnScope(issuer) }),
    },
  };
}

/**
 * The composition root's body: config → store → services → provider → app.
 * main.ts calls it to serve; tests call it to run admit in-process.
 */
export async function composeAdmit(config: Config, logger: Logger, options: ComposeOptions = {}) {
  const backends = await openBackends(config);
  const { masterSecret, generatedSecret } = backends;
  // Every part of admit reads through the memo: a key read twice in one request is read from the store once.
  const memo = createRequestMemo();
  const store = memo.wrap(backends.store);
  let stopSigningKeys = () => {};
  try {
    if (generatedSecret) logger.warn('generated a master secret beside the SQLite database; set ADMIT_SECRET in production');
    // The signing keys follow the store while admit runs (admit keys rotate stages new ones; no restart).
    const signingKeys = await startLiveSigningKeys({
      store: backends.store,
      masterSecret,
      logger,
      pollSeconds: config.keys.pollSeconds,
      jwksMaxAgeSeconds: config.keys.jwksMaxAgeSeconds,
    });
    stopSigningKeys = signingKeys.stop;
    const cookieKeys = createCookieSigner([deriveKey(masterSecret, 'cookies')]);
    const metrics = createMetrics();
    // One i18next instance for pages, emails and codes, from every locales/<language>/<namespace>.json.
    const localizer = createLocalizer(root('locales'));
    // Every page carries its site's brand and the region selector's choices (issue 18, src/help/help-areas.ts); the provider is read once it exists.
    const render = pageRenderer(createRenderer({ viewsDir: root('views'), cache: config.environment === 'production', localizer }), config, () => provider);
    // A new account is audited (account.create), the source of the user.created webhook; the audit log is built below.
    const accounts = createAccountService({ store, audit: { record: (ctx, event) => audit.record(ctx, event) } });
    // Accounts stored before the look-up indexes are indexed in the background from the start, so
    // the first console search of a large site does not wait for it (it shares this run if it comes early).
    for (const site of config.sites) {
      accounts
        .ensureIndexed(site.id)
        .catch((error: unknown) => logger.error({ err: error, site: site.id }, 'account index backfill failed; it resumes at the next look-up'));
    }
    // Only the connectors the sites use are loaded (see connectors.ts).
    const sites = createSiteDirectory(
      config.sites,
      await connectorFactories(
        { store },
        config.sites.map((site) => site.directory.kind),
        options.directories,
      ),
    );
    // Every side effect leaving admit goes through the outbox (services/outbox): written with its cause, delivered by the worker below.
    const outbox = createOutbox({ store, masterSecret, settings: config.outbox, siteIds: () => config.sites.map((site) => site.id) });
    const mailer = createMailer({ settings: config.mail, viewsDir: root('views'), publicUrl: config.server.issuer, logger, outbox, localizer });
    // Event webhooks (services/webhooks): the audit log hands every entry to the emitter, which queues the events in the outbox.
    const webhookUrlRule = { production: config.environment === 'production', allowLoopback: config.server.allowLoopbackRequests };
    const { audit, subscriptions: webhookSubscriptions } = createAuditTrail({ config, store, masterSecret, outbox, logger });
    const webhooks = createWebhookService({
      store,
      subscriptions: webhookSubscriptions,
      outbox,
      urlRule: webhookUrlRule,
      audit,
      siteIds: () => config.sites.map((site) => site.id),
    });
    // What every password write ends (the password service's one rule): the account's other sessions and
    // their grants (the session service, built with the provider below), and its trusted browsers.
    let sessions: SessionService | undefined;
    const passwords = createPasswordService({
      sites,
      accounts,
      audit,
      mailer,
      ends: () => {
        if (!sessions) throw new Error('the session service is built with the provider');
        return { signOutOthers: sessions.signOutOthers, revokeTrustedBrowsers: mfa.revokeTrustedBrowsers };
      },
    });
    // The sign-in steps after the first factor, in the seed's order: MFA, then "Change Password".
    const notifier = createNotifier(
      config.sms,
      { fetch: globalThis.fetch, log: options.notifierLog ?? ((entry, message) => logger.info({ notifier: config.sms.notifier.kind, ...entry }, message)) },
      notifierPlugins,
    );
    // Every code admit sends a person (text, call, email) and every check of one.
    const codes = createOneTimeCodes({ store, notifier, mailer, outbox, settings: config.sms, key: deriveKey(masterSecret, 'one-time-codes'), localizer });
    const mfa = createMfaService({
      store,
      accounts,
      sites,
      sms: config.sms,
      masterSecret,
      audit,
      mailer,
      codes,
      ...mfaPlugins(config.server.issuer, options.mfaMethods),
    });
    // Invitations, access requests and the approval gate (the first step: a waiting person enrolls nothing).
    const approval = createApprovalServices({ store, accounts, sites, mailer, outbox, audit, masterSecret, issuer: config.server.issuer });
    const steps: SignInStep[] = [approval.step, mfaStep({ mfa, issuer: config.server.issuer, masterSecret }), passwordChangeStep({ passwords })];
    // admit's own first-party clients (admin console, invitation sign-in) beside the configured ones.
    // The management API (/api/v1) is a resource server of this provider: its clients get tokens for it by client_credentials.
    const providerConfig = {
      ...config,
      clients: [...config.clients, ...internalClients(config.server.issuer)],
      apis: [...config.apis, managementApiResource(config.server.issuer, config.clients)],
    };
    const provider = createProvider({
      config: providerConfig,
      store,
      accounts,
      render,
      metrics,
      signingKeys: signingKeys.jwks(),
      cookieKeys,
      steps,
      subjectKey: deriveKey(masterSecret, 'pairwise-subject'),
    });
    signingKeys.attach(provider);
    const sessionService = createSessionService({ store, provider, outbox });
    sessions = sessionService;
    // Sessions & Devices names the browser each session began in (noted at its first authorization).
    sessionService.noteBrowsers();
    const flows = {
      config,
      provider,
      render,
      accounts,
      sites,
      metrics,
      mailer,
      csrf: createCsrf({ key: deriveKey(masterSecret, 'csrf') }),
      lockout: createLockout({ store, sites }),
      audit,
      admission: approval.admission,
      signUpPass: approval.signUpPass,
      steps,
    };
    const portal = portalRoutes({
      config,
      store,
      render,
      accounts,
      sites,
      passwords,
      audit,
      mailer,
      mfa,
      codes,
      csrf: flows.csrf,
      lockout: flows.lockout,
      auth: createPortalAuth({
        provider,
        accounts,
        issuer: config.server.issuer,
        signIn: createFirstPartySignIn({
          provider,
          store,
          issuer: config.server.issuer,
          clientId: PORTAL_CLIENT_ID,
          callbackPath: '/portal/callback',
          cookieName: 'admit.portal-state',
        }),
      }),
      sessions: sessionService,
    });
    const app = createApp({
      config,
      logger,
      store,
      memo,
      provider,
      render,
      localizer,
      metrics,
      sites,
      flows,
      publicDir: root('public'),
      cookieKeys,
      signingKeysVersion: signingKeys.generation,
      routers: [
        portal,
        // SCIM 2.0 provisioning per site (src/scim): a partner directory's creates, updates and deprovisioning.
        scimRoutes({ store, accounts, sites, audit, issuer: config.server.issuer, signOutEverywhere: sessionService.signOutEverywhere }),
        // Sign-in help, the region selector's form, the brand files (issue 18).
        ...helpAreas({ config, store, render, csrf: flows.csrf, sites, mailer, audit, localizer, approval }),
        ...createAdminRouters({
          config,
          store,
          provider,
          render,
          accounts,
          sites,
          audit,
          mailer,
          outbox,
          csrf: flows.csrf,
          lockout: flows.lockout,
          approval,
          steps,
          masterSecret,
          mfa,
          codes,
          webhooks,
          sessions: sessionService,
        }),
      ],
    });
    const brandMail = emailBranding(config.sites, config.mail.from);
    const outboxWorker = createOutboxWorker({
      store,
      outbox,
      logger,
      settings: config.outbox,
      deliverers: {
        // A branded site's emails carry its sender name and footer (src/branding/branded-mail.ts).
        email: (message, payload) => mailer.deliver(brandMail(payload as OutgoingMail, message.siteId), message.id),
        ...phoneDeliverer(notifier),
        ...backchannelDeliverer(provider),
        ...webhookDeliverer({ provider, subscriptions: webhookSubscriptions, urlRule: webhookUrlRule }),
      },
    });
    // What a killed process left half-written (an import's invitations) is completed before admit answers.
    await outbox.applyPendingChanges();
    // Audit events stored before the per-day indexes are copied into them once, so the console shows them (resumable).
    await audit.migrateLegacy();
    outboxWorker.start();
    const close = async () => {
      await outboxWorker.stop();
      signingKeys.stop();
      mailer.close();
      await Promise.all(sites.all().map(({ connector }) => connector.close?.()));
      await store.close();
    };
    return { app, provider, store, close, passwords, mfa, approval, outbox, outboxWorker, signingKeys, webhooks };
  } catch (error) {
    stopSigningKeys();
    await store.close();
    throw error;
  }
}

export type Admit = Awaited<ReturnType<typeof composeAdmit>>;
