import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { hashPassword } from '../../src/kit/index.ts';
import { createSigningKeys } from '../../src/oidc/signing-keys.ts';
import { createStore } from '../../src/store/create-store.ts';
import { storeKey } from '../../src/store/port.ts';
import type { SignInUsers } from '../load/operations.ts';
import type { Credentials } from '../load/sign-in-steps.ts';
export const SITE = 'DEMO';
export const LDAP_SITE = 'LDAP';

/**
 * The cheapest argon2id the verifier accepts (m = 8 KiB, t = 1): a sign-in
 * with it measures admit's sign-in protocol with the hash (nearly) taken out.
 * verifyPassword reads the parameters from the stored PHC string. The bench
 * site keeps such hashes (`rehashOnSignIn: false`, bench/harness/admit-config.ts);
 * otherwise the first sign-in would replace each with an OWASP-parameter hash.
 */
const CHEAP_ARGON2 = { memory: 8, passes: 1, parallelism: 1, tagLength: 32 };
const cheapHash = (password: string) => hashPassword(password.normalize('NFC'), CHEAP_ARGON2);

/**
 * Prepares admit's store before admit starts: signing keys (returned, for the
 * baseline to sign with the same keys) and local users: `argon2` users with
 * the real OWASP hash, `cheap` users whose hash costs next to nothing.
 */
export async function seedAdmitStore(options: {
  storeUrl: string;
  keyPrefix: string;
  masterSecret: string;
  users: number;
}): Promise<{ keys: Record<string, unknown>[]; users: Pick<SignInUsers, 'argon2' | 'cheap'> }> {
  const store = await createStore(options.storeUrl, { keyPrefix: options.keyPrefix, commandTimeoutMs: 5000, connectTimeoutMs: 5000 });
  try {
    const keys = await createSigningKeys({ store, masterSecret: options.masterSecret }).load();
    const directory = createLocalDirectory({ store, siteId: SITE, hashing: { rehashOnSignIn: false } });
    const argon2Users: Credentials[] = [];
    const cheapUsers: Credentials[] = [];
    for (let i = 0; i < options.users; i += 1) {
      const real = { username: `argon-${i}`, password: `Bench-Passw0rd-${i}!`, site: SITE };
      const cheap = { username: `cheap-${i}`, password: `Bench-Passw0rd-${i}!`, site: SITE };
      const profile = { name: `Bench User ${i}`, email: `user${i}@example.test`, phoneNumber: '+15035550100', groups: ['staff'] };
      await directory.addUser({ ...profile, username: real.username, password: real.password });
      const added = await directory.addUser({ ...profile, username: cheap.username, password: cheap.password });
      // The local directory's record key (plugins/connector-local): `local-user:{<site>:<lower-case name>}`.
      await store.set(storeKey('local-user', `${SITE}:${cheap.username}`), JSON.stringify({ ...added, passwordHash: await cheapHash(cheap.password) }));
      argon2Users.push(real);
      cheapUsers.push(cheap);
    }
    // Fail here, not in the middle of a run, if the record layout changed under us.
    const check = await directory.connector.verifyPassword({ username: cheapUsers[0]!.username, password: cheapUsers[0]!.password });
    if (check.status !== 'ok') throw new Error('the cheap-hash user does not verify: the local directory record layout changed');
    return { keys, users: { argon2: argon2Users, cheap: cheapUsers } };
  } finally {
    await store.close();
  }
}
