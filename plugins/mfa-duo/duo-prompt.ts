import { createRequire } from 'node:module';
import type { Client } from '@duosecurity/duo_universal';
import type { DuoPlugin, DuoPrompt, DuoSettings } from '../../src/kit/index.ts';

/**
 * Duo's Universal Prompt through Duo's own SDK (@duosecurity/duo_universal).
 * The SDK pins Duo's CA and signs its requests; it sets no deadline, so one
 * is put on its HTTP client here: a Duo that hangs must not hang sign-ins.
 */
export function createDuoPrompt(settings: DuoSettings): DuoPrompt {
  // Duo's SDK (and its axios) is loaded when a Duo prompt is made, so a site without Duo never loads it.
  const { Client: DuoClient } = createRequire(import.meta.url)('@duosecurity/duo_universal') as typeof import('@duosecurity/duo_universal');
  let health: { ok: boolean; until: number } | undefined;

  function client(redirectUrl: string): Client {
    const made = new DuoClient({ clientId: settings.clientId, clientSecret: settings.clientSecret, apiHost: settings.apiHost, redirectUrl });
    // The SDK keeps its axios instance private; its requests have no timeout otherwise.
    (made as unknown as { axios: { defaults: { timeout: number } } }).axios.defaults.timeout = settings.timeoutMs;
    return made;
  }
  // The health check does not depend on the redirect URL.
  const healthClient = client('https://admit.invalid/duo');

  return {
    async healthy() {
      if (health && health.until > Date.now()) return health.ok;
      const ok = await healthClient.healthCheck().then(
        () => true,
        () => false,
      );
      health = { ok, until: Date.now() + settings.healthCacheSeconds * 1000 };
      return ok;
    },
    newState: () => healthClient.generateState(),
    authUrl: ({ username, state, redirectUrl }) => client(redirectUrl).createAuthUrl(username, state),
    async exchange({ code, username, redirectUrl }) {
      try {
        const token = await client(redirectUrl).exchangeAuthorizationCodeFor2FAResult(code, username);
        const result = token.auth_result?.status;
        if (result !== 'allow') return { status: 'deny', reason: token.auth_result?.status_msg || result || 'no result' };
        return { status: 'allow', factor: token.auth_context?.factor ?? '' };
      } catch (error) {
        return { status: 'error', reason: error instanceof Error ? error.message : 'exchange failed' };
      }
    },
  };
}

/**
 * The RFC 8176 `amr` value for the factor Duo reports, or undefined when
 * Duo let the user through without one now (a remembered device, a trusted
 * network, a user Duo bypasses): admit then claims no second factor.
 */
export function amrOfDuoFactor(factor: string): string | undefined {
  const name = factor.toLowerCase().replace(/[\s-]+/g, '_');
  if (/push|inline_auth/.test(name)) return 'swk';
  if (name === 'phone_call') return 'tel';
  if (name.startsWith('sms')) return 'sms';
  if (/webauthn|u2f|security_key/.test(name)) return 'hwk';
  if (/passcode|token|yubikey|bypass_code/.test(name)) return 'otp';
  return undefined;
}

/** The Duo plugin as the composition root registers it. */
export const duoPlugin: DuoPlugin = { create: createDuoPrompt, amrOf: amrOfDuoFactor };
