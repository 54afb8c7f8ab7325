import * as oidc from 'openid-client';
import type { Page } from 'playwright-core';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { totpCode } from '../../plugins/mfa-totp/totp.ts';
import type { ComposeOptions } from '../../src/compose.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { newDeviceId } from '../../src/services/mfa/devices.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { startCallbackServer } from '../support/callback-server.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { REDIRECT_URI } from './flow-driver.ts';
import { captureNotifier, codeIn } from './harness.ts';

export const RP_SECRET = 'mfa-page-secret-0123456789-0123456789';
export const PASSWORD = 'Mfa-Test#Passw0rd';

/**
 * admit with MFA required on its site, a relying application, a real SMTP
 * server for the notification emails, and the console SMS notifier's
 * messages captured (the real notifier runs; its log lines land here).
 */
export async function startMfaWorld(
  options: { mfa?: Record<string, unknown>; sms?: Record<string, unknown>; store?: string; sites?: Record<string, unknown>[]; compose?: ComposeOptions } = {},
) {
  const app = await startCallbackServer();
  const smtp: TestSmtpServer = await startSmtpServer();
  const sms = captureNotifier();
  const running: RunningAdmit = await startAdmit({
    store: options.store,
    compose: { notifierLog: sms.log, ...options.compose },
    config: {
      sites: [
        {
          id: 'DEMO',
          displayName: 'Customer & Partner Center',
          directory: { kind: 'local' },
          signIn: { changePasswordAtFirstSignIn: false },
          mfa: { required: true, ...options.mfa },
        },
        ...(options.sites ?? []),
      ],
      clients: [
        {
          client_id: 'rp',
          client_name: 'Customer Center',
          client_secret: RP_SECRET,
          first_party: true,
          redirect_uris: [`${app.origin}/callback`, REDIRECT_URI],
          post_logout_redirect_uris: [`${app.origin}/`],
        },
        {
          client_id: 'rp2',
          client_name: 'Partner Portal',
          client_secret: RP_SECRET,
          first_party: true,
          redirect_uris: [`${app.origin}/callback`, REDIRECT_URI],
        },
      ],
      mail: { transport: smtp.url, from: 'admit <no-reply@admit.test>' },
      sms: { resendCooldownSeconds: 0, perNumberPerHour: 50, perAccountPerHour: 50, perIpPerHour: 500, ...options.sms },
    },
  });
  const directoryOf = (siteId: string) => createLocalDirectory({ store: running.admit.store, siteId });
  // Authenticator-app codes are accepted once per time step; tests pick a step not used yet.
  const usedSteps = new Map<string, number>();

  return {
    running,
    app,
    smtp,
    sms,
    /** The account id of a local user of a site (the link its first sign-in made). */
    async accountIdOf(username: string, siteId = 'DEMO'): Promise<string> {
      const user = await directoryOf(siteId).findUser(username);
      const id = user && (await running.admit.store.get(`account-link:{${siteId}:local:${user.id}}`));
      if (!id) throw new Error(`no account for ${username} in ${siteId}`);
      return id;
    },
    async addUser(username: string, siteId = 'DEMO') {
      await directoryOf(siteId).addUser({
        username,
        password: PASSWORD,
        email: `${username}@example.test`,
        name: username[0]!.toUpperCase() + username.slice(1),
      });
    },
    async authorizeUrl(clientId = 'rp', extra: Record<string, string> = {}, origin = running.issuer): Promise<string> {
      const config = await oidc.discovery(new URL(running.issuer), clientId, RP_SECRET, undefined, { execute: [oidc.allowInsecureRequests] });
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: `${app.origin}/callback`,
        scope: 'openid',
        state: oidc.randomState(),
        code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
        code_challenge_method: 'S256',
        ...extra,
      });
      return `${origin}${url.pathname}${url.search}`;
    },
    async signIn(page: Page, username: string, options: { clientId?: string; extra?: Record<string, string>; origin?: string } = {}) {
      await page.goto(await this.authorizeUrl(options.clientId, options.extra, options.origin));
      await page.getByLabel('User Name').fill(username);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
    },
    /**
     * A user who already enrolled (through the MFA service, as the wizard
     * does): a mobile phone with this number and, when asked, an
     * authenticator app and recovery codes.
     */
    async enrolledUser(username: string, input: { mobile: string; app?: boolean; recovery?: boolean }) {
      await this.addUser(username);
      const user = (await directoryOf('DEMO').findUser(username))!;
      // The account a first sign-in would create, linked by the directory's id.
      const account = await createAccountService({ store: running.admit.store }).linkOrCreate('DEMO', 'local', {
        externalId: user.id,
        username,
        email: user.email,
        groups: [],
      });
      const id = account.id;
      const who = (await running.admit.mfa.subject(id))!;
      const secret = input.app ? running.admit.mfa.enrollment.newTotpSecret(who) : undefined;
      const phone = running.admit.mfa.phoneNumbers.parse('US', input.mobile);
      if (phone.status !== 'ok') throw new Error(`bad number ${input.mobile}`);
      const device = {
        id: newDeviceId(),
        type: 'mobile' as const,
        name: 'iOS',
        platform: 'iphone' as const,
        phone: phone.phone,
        totp: secret && { sealedSecret: secret.sealed },
        createdAt: new Date().toISOString(),
      };
      await running.admit.mfa.manage.add(undefined, who, device, { verifiedAt: Date.now() });
      const made = input.recovery ? await running.admit.mfa.manage.regenerateRecoveryCodes(undefined, who, { verifiedAt: Date.now() }) : undefined;
      return { accountId: id, device, secret: secret?.secret, recoveryCodes: made?.status === 'ok' ? made.value : [] };
    },
    /** Adds a tablet with an authenticator app to an account (as the wizard does); its secret, for codes. */
    async addTablet(accountId: string, name = 'iPad'): Promise<{ deviceId: string; secret: string }> {
      const who = (await running.admit.mfa.subject(accountId))!;
      const secret = running.admit.mfa.enrollment.newTotpSecret(who);
      const device = {
        id: newDeviceId(),
        type: 'tablet' as const,
        name,
        platform: 'iphone' as const,
        totp: { sealedSecret: secret.sealed },
        createdAt: new Date().toISOString(),
      };
      const added = await running.admit.mfa.manage.add(undefined, who, device, { verifiedAt: Date.now() });
      if (added.status !== 'ok') throw new Error(`tablet not added: ${added.status}`);
      return { deviceId: device.id, secret: secret.secret };
    },
    /** A user whose only device is a tablet (an authenticator app, no phone). */
    async tabletUser(username: string): Promise<{ accountId: string; deviceId: string; secret: string }> {
      await this.addUser(username);
      const user = (await directoryOf('DEMO').findUser(username))!;
      const account = await createAccountService({ store: running.admit.store }).linkOrCreate('DEMO', 'local', {
        externalId: user.id,
        username,
        email: user.email,
        groups: [],
      });
      return { accountId: account.id, ...(await this.addTablet(account.id)) };
    },
    /** The last code texted or read out to this number (E.164). */
    codeFor: (e164: string) => codeIn(sms.last(e164)),
    /** An authenticator-app code for a time step this secret has not used yet. */
    async appCode(secret: string): Promise<string> {
      for (;;) {
        const now = Date.now();
        const current = Math.floor(now / 30_000);
        // The current step or the next, never the previous: a code for the previous step is refused once
        // the clock crosses a step boundary before the server checks it (a loaded machine makes that likely).
        const step = [current, current + 1].find((candidate) => candidate > (usedSteps.get(secret) ?? -1));
        if (step !== undefined) {
          usedSteps.set(secret, step);
          return totpCode(secret, now + (step - current) * 30_000);
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    },
    async stop() {
      await running.stop();
      await app.close();
      await smtp.stop();
    },
  };
}

export type MfaWorld = Awaited<ReturnType<typeof startMfaWorld>>;
