import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { Config } from './config/schema.ts';
import type { Store } from './store/port.ts';
import { resolveMasterSecret } from './config/master-secret.ts';
import { createStore } from './store/create-store.ts';
import { deriveKey } from './services/secret-box.ts';
import { createSigningKeys } from './oidc/signing-keys.ts';
import { createAccountService } from './services/accounts.ts';
import { createSiteDirectory } from './services/sites.ts';
import { createThrottle } from './services/throttle.ts';
import { createAuditLog } from './services/audit.ts';
import { createMetrics } from './http/metrics.ts';
import { createRenderer } from './http/render.ts';
import { createCsrf } from './http/csrf.ts';
import { createProvider } from './oidc/provider.ts';
import { createApp } from './app.ts';
import { connectorFactories } from './connectors.ts';
import { createMailer } from './services/mail/mailer.ts';
import type { SignInStep } from './flows/sign-in-step.ts';
import { createPasswordService, type PasswordChangedHook } from './services/passwords.ts';
import { passwordChangeStep } from './flows/password-change/step.ts';

const root = (path: string) => fileURLToPath(new URL(`../${path}`, import.meta.url));

/** Opens the configured store and the master secret: what the server and the CLI share. */
export async function openBackends(config: Config): Promise<{ store: Store; masterSecret: string; generatedSecret: boolean }> {
  const { secret, generated } = resolveMasterSecret(config);
  const store = await createStore(config.store.url, config.store.redis);
  return { store, masterSecret: secret, generatedSecret: generated };
}

/**
 * The composition root's body: config → store → services → provider → app.
 * main.ts calls it to serve; tests call it to run admit in-process.
 */
export async function composeAdmit(config: Config, logger: Logger) {
  const { store, masterSecret, generatedSecret } = await openBackends(config);
  try {
    if (generatedSecret) logger.warn('generated a master secret beside the SQLite database; set ADMIT_SECRET in production');
    const signingKeys = await createSigningKeys({ store, masterSecret }).load();
    const cookieKeys = [deriveKey(masterSecret, 'cookies')];
    const metrics = createMetrics();
    const render = createRenderer({ viewsDir: root('views'), cache: process.env.NODE_ENV === 'production' });
    const accounts = createAccountService({ store });
    const sites = createSiteDirectory(config.sites, connectorFactories({ store }));
    const mailer = createMailer({ settings: config.mail, viewsDir: root('views'), publicUrl: config.server.issuer, logger });
    const audit = createAuditLog({ logger });
    // Hooks run after any password change (e.g. revoking trusted browsers).
    const onPasswordChanged: PasswordChangedHook[] = [];
    const passwords = createPasswordService({ sites, accounts, audit, mailer, onChanged: onPasswordChanged });
    // The sign-in steps after the first factor, in the seed's order: MFA, then "Change Password".
    const steps: SignInStep[] = [passwordChangeStep({ passwords })];
    const provider = createProvider({ config, store, accounts, render, metrics, signingKeys, cookieKeys, steps });
    const flows = {
      config, provider, render, accounts, sites, metrics, mailer,
      csrf: createCsrf({ key: deriveKey(masterSecret, 'csrf') }),
      throttle: createThrottle({ store }),
      audit,
      steps,
    };
    const app = createApp({ config, logger, store, provider, render, metrics, sites, flows, publicDir: root('public'), cookieKeys });
    const close = async () => {
      mailer.close();
      await Promise.all(sites.all().map(({ connector }) => connector.close?.()));
      await store.close();
    };
    return { app, provider, store, close, passwords };
  } catch (error) {
    await store.close();
    throw error;
  }
}

export type Admit = Awaited<ReturnType<typeof composeAdmit>>;
