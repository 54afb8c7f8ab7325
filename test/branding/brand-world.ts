import { join } from 'node:path';
import * as oidc from 'openid-client';
import type { Page } from 'playwright-core';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { captureNotifier, codeIn } from '../mfa/harness.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { startCallbackServer } from '../support/callback-server.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';

export const PASSWORD = 'Brand-Test#Passw0rd';
const RP_SECRET = 'brand-page-secret-0123456789-0123456789';
export const ITRON_BRANDING = {
  productName: 'Itron MSP',
  logo: join(import.meta.dirname, 'fixtures', 'logo.svg'),
  accentColor: '#00a160',
  support: { email: 'support@itron.example', phone: '+1 800 555 0100' },
  poweredBy: 'Powered by Itron',
  tabTitle: 'Itron Customer Center',
};

/**
 * One branded site (the seed's ITRONMS: MFA by text message, Change Password
 * at the first sign-in), a relying application, a real SMTP server and the
 * console SMS notifier's messages captured.
 */
export async function startBrandWorld(site: Record<string, unknown> = {}) {
  const app = await startCallbackServer();
  const smtp: TestSmtpServer = await startSmtpServer();
  const sms = captureNotifier();
  const running: RunningAdmit = await startAdmit({
    compose: { notifierLog: sms.log },
    config: {
      sites: [
        {
          id: 'ITRONMS',
          displayName: 'Itron Managed Services',
          directory: { kind: 'local' },
          signIn: { changePasswordAtFirstSignIn: true },
          mfa: { required: true, methods: ['sms'], recoveryCodes: false },
          branding: ITRON_BRANDING,
          ...site,
        },
      ],
      clients: [{ client_id: 'rp', client_name: 'Customer Center', client_secret: RP_SECRET, first_party: true, redirect_uris: [`${app.origin}/callback`] }],
      mail: { transport: smtp.url, from: 'admit <no-reply@admit.test>' },
      sms: { resendCooldownSeconds: 0, perNumberPerHour: 50, perAccountPerHour: 50, perIpPerHour: 500 },
    },
  });
  return {
    running,
    smtp,
    sms,
    async addUser(username: string) {
      await createLocalDirectory({ store: running.admit.store, siteId: 'ITRONMS' }).addUser({
        username,
        password: PASSWORD,
        email: `${username}@example.test`,
        name: username,
      });
    },
    async authorizeUrl(extra: Record<string, string> = {}): Promise<string> {
      const config = await oidc.discovery(new URL(running.issuer), 'rp', RP_SECRET, undefined, { execute: [oidc.allowInsecureRequests] });
      return oidc
        .buildAuthorizationUrl(config, {
          redirect_uri: `${app.origin}/callback`,
          scope: 'openid',
          state: oidc.randomState(),
          code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
          code_challenge_method: 'S256',
          ...extra,
        })
        .toString();
    },
    async signIn(page: Page, username: string) {
      await page.getByLabel('User Name').fill(username);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
    },
    codeFor: (e164: string) => codeIn(sms.sent.filter((message) => message.to === e164).at(-1)),
    async stop() {
      await running.stop();
      await app.close();
      await smtp.stop();
    },
  };
}

export type BrandWorld = Awaited<ReturnType<typeof startBrandWorld>>;
