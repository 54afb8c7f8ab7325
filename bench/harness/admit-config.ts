import { admitClients } from '../servers/clients.ts';
import { LDAP_SITE, SITE } from './seed.ts';

/**
 * The sign-in limits the benchmark needs: every request comes from 127.0.0.1
 * and a few users sign in hundreds of times a second, which admit's default
 * limits rightly refuse. The counters are still kept (same store work per
 * attempt); only the thresholds are raised.
 */
const BENCH_SIGN_IN_LIMITS = {
  maxFailedAttempts: 1000,
  failureWindowSeconds: 10,
  maxAttemptsPerIp: 100_000,
  changePasswordAtFirstSignIn: false,
};

/**
 * MFA is required by default; the benchmark's sites ask for it only of users
 * who enrolled (as admit always does), so the password-only rows (hash
 * excluded, LDAP, and the untimed sign-ins that fill the pools) compare
 * like with like against devInteractions, while the argon2id row's users,
 * who all enrolled an authenticator app, go through the whole MFA step.
 */
const BENCH_MFA = { required: false };

/** admit's config file for a run (JSON is YAML); the store URL and secret come from the environment. */
export function admitConfig(options: { port: number; keyPrefix: string; ldapDirectory?: Record<string, unknown>; logLevel: string }): Record<string, unknown> {
  const sites: Record<string, unknown>[] = [
    // rehashOnSignIn: false keeps the cheap users' near-free hashes (bench/harness/seed.ts) as seeded.
    {
      id: SITE,
      displayName: 'Bench site (local directory)',
      directory: { kind: 'local', rehashOnSignIn: false },
      signIn: BENCH_SIGN_IN_LIMITS,
      mfa: BENCH_MFA,
    },
  ];
  if (options.ldapDirectory) {
    sites.push({ id: LDAP_SITE, displayName: 'Bench site (OpenLDAP)', directory: options.ldapDirectory, signIn: BENCH_SIGN_IN_LIMITS, mfa: BENCH_MFA });
  }
  return {
    server: { port: options.port, issuer: `http://127.0.0.1:${options.port}` },
    store: { redis: { keyPrefix: options.keyPrefix } },
    sites,
    clients: admitClients(),
    logging: { level: options.logLevel },
  };
}
