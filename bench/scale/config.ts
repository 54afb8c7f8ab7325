import { admitClients } from '../servers/clients.ts';
import { SCALE_SITES } from './seed.ts';

/**
 * admit's config for the scale run: four local-directory sites (the seeded
 * people are spread over them), the benchmark's raised sign-in limits (every
 * request comes from 127.0.0.1), MFA on request (the console still asks its
 * admin for the authenticator code), mail to the console transport.
 */
export function scaleConfig(options: { port: number; keyPrefix: string; logLevel: string }): Record<string, unknown> {
  return {
    server: { port: options.port, issuer: `http://127.0.0.1:${options.port}` },
    store: { redis: { keyPrefix: options.keyPrefix } },
    sites: SCALE_SITES.map((id) => ({
      id,
      displayName: `Partner center ${id}`,
      directory: { kind: 'local', rehashOnSignIn: false },
      signIn: { maxFailedAttempts: 1000, failureWindowSeconds: 10, maxAttemptsPerIp: 100_000, changePasswordAtFirstSignIn: false },
      mfa: { required: false },
    })),
    clients: admitClients(),
    logging: { level: options.logLevel },
  };
}
