import { existsSync } from 'node:fs';
import { CONNECTOR_KINDS } from '../../src/connectors.ts';
import type { Credentials } from '../load/sign-in-steps.ts';
import { LDAP_SITE } from './seed.ts';

export interface Ldap {
  /** The LDAP site's `directory` block; undefined when skipped. */
  directory?: Record<string, unknown>;
  users: Credentials[];
  /** Why the LDAP row is left out. */
  skipped?: string;
  stop(): Promise<void>;
}

/** Users of the test tree with no ppolicy state (not locked, not expired, no forced change). */
const LDAP_USERS = ['alice', 'carol', 'grace', 'ivan', 'judy'];

/**
 * The test OpenLDAP (test/support/slapd.ts), when it and admit's LDAP
 * connector are both there; otherwise the LDAP row is left out, with the reason.
 */
export async function startLdap(): Promise<Ldap> {
  const none = (skipped: string): Ldap => ({ users: [], skipped, stop: async () => {} });
  if (!existsSync(new URL('../../test/support/slapd.ts', import.meta.url))) return none('test/support/slapd.ts is not there');
  if (!CONNECTOR_KINDS.includes('ldap')) return none('no LDAP connector is registered in src/connectors.ts');
  const slapd = await import('../../test/support/slapd.ts');
  try {
    const server = await slapd.startSlapd();
    return {
      // Production timeouts (the connector's defaults), not the tests' short ones.
      directory: slapd.directoryFor(server, { connectTimeoutMs: 3000, timeoutMs: 5000 }),
      users: LDAP_USERS.map((username) => ({ username, password: slapd.seedPassword(username), site: LDAP_SITE })),
      stop: () => server.stop(),
    };
  } catch (error) {
    return none(`the test OpenLDAP did not start: ${(error as Error).message.split('\n')[0]}`);
  }
}
