import { randomUUID } from 'node:crypto';
import {
  ARGON2_PARAMETERS,
  type Argon2Parameters,
  canonicalUsername,
  checkUsername,
  type DirectoryIdentity,
  hashPassword,
  legacyUsernameKey,
  makeDecoyHash,
  needsRehash,
  type PasswordConnector,
  type PasswordOutcome,
  type PasswordWriteOutcome,
  type Store,
  storeKey,
  UsernameTakenError,
  verifyPassword,
} from '../../src/kit/index.ts';

/** A user of admit's own directory, as stored. */
export interface LocalUser {
  id: string;
  username: string;
  passwordHash: string;
  name?: string;
  email?: string;
  phoneNumber?: string;
  groups: string[];
  disabled: boolean;
  createdAt: string;
}

export type NewLocalUser = Pick<LocalUser, 'username'> &
  Partial<Pick<LocalUser, 'name' | 'email' | 'phoneNumber' | 'groups'>> & {
    password: string;
  };

/** A UsernameTakenError, as callers outside the plugin know it. */
export class LocalUserExistsError extends UsernameTakenError {
  override name = 'LocalUserExistsError';
}

/**
 * admit's local directory for one site. User names are unique per site under
 * their canonical key (kit/username.ts): `ｂob` and `Bob` are `bob`, here as in
 * every other lookup and counter.
 *
 * Passwords are hashed with `hashing.parameters` (admit's OWASP argon2id by
 * default); a stored hash made with less work is replaced by a new one at its
 * owner's next successful sign-in, unless `hashing.rehashOnSignIn` is false.
 */
export function createLocalDirectory({
  store,
  siteId,
  hashing = {},
}: {
  store: Store;
  siteId: string;
  hashing?: { parameters?: Argon2Parameters; rehashOnSignIn?: boolean };
}) {
  const parameters = hashing.parameters ?? ARGON2_PARAMETERS;
  const rehashOnSignIn = hashing.rehashOnSignIn ?? true;
  const keyOf = (name: string) => storeKey('local-user', `${siteId}:${name}`);
  const userKey = (username: string) => keyOf(canonicalUsername(username));
  let decoyHash: Promise<string> | undefined;

  /**
   * The stored user, or undefined (a name with no canonical key is nobody).
   * A record written under the old key (`NFKC` + lower case, untrimmed) is
   * moved to the canonical key the first time it is read.
   */
  async function findUser(username: string): Promise<LocalUser | undefined> {
    const checked = checkUsername(username);
    if (!checked.ok) return undefined;
    const raw = await store.get(keyOf(checked.key));
    if (raw !== undefined) return JSON.parse(raw) as LocalUser;
    return migrate(checked.key, keyOf(legacyUsernameKey(username)));
  }

  async function migrate(key: string, legacyKey: string): Promise<LocalUser | undefined> {
    if (legacyKey === keyOf(key)) return undefined;
    const old = await store.get(legacyKey);
    if (old === undefined) return undefined;
    // Whoever moves it first wins; a canonical record written meanwhile is the one that counts.
    if (await store.setIfAbsent(keyOf(key), old)) await store.delete(legacyKey);
    const raw = await store.get(keyOf(key));
    return raw === undefined ? undefined : (JSON.parse(raw) as LocalUser);
  }

  async function addUser(input: NewLocalUser): Promise<LocalUser> {
    const key = userKey(input.username); // throws UsernameNotAllowedError before anything is written
    const user: LocalUser = {
      id: randomUUID(),
      username: input.username,
      passwordHash: await hashPassword(input.password.normalize('NFC'), parameters),
      name: input.name,
      email: input.email,
      phoneNumber: input.phoneNumber,
      groups: input.groups ?? [],
      disabled: false,
      createdAt: new Date().toISOString(),
    };
    // A user written under the old key holds its name too (it moves on this read).
    if (await findUser(input.username)) throw new LocalUserExistsError(`the user name ${input.username} is taken in site ${siteId}`);
    const created = await store.setIfAbsent(key, JSON.stringify(user));
    if (!created) throw new LocalUserExistsError(`the user name ${input.username} is taken in site ${siteId}`);
    return user;
  }

  async function verify({ username, password }: { username: string; password: string }): Promise<PasswordOutcome> {
    const user = await findUser(username);
    // Verify against a decoy when the user is unknown so both answers cost one argon2id.
    decoyHash ??= makeDecoyHash(parameters);
    // NFC, as the password policy counts: the same password typed on another keyboard matches.
    const matches = await verifyPassword(password.normalize('NFC'), user?.passwordHash ?? (await decoyHash));
    if (!user || !matches) return { status: 'invalid' };
    if (user.disabled) return { status: 'disabled' };
    if (rehashOnSignIn && needsRehash(user.passwordHash, parameters)) await rehash(username, user, password.normalize('NFC'));
    return { status: 'ok', identity: identityOf(user) };
  }

  /**
   * Stores a hash of the just-verified password at the configured parameters.
   * Only if the record still holds the hash that was verified, so a password
   * changed or reset meanwhile is not put back. That check reads the request's
   * view of the record (the request memo) and the store has no compare-and-set,
   * so a change by another request during this sign-in's verification and
   * hashing (~25 ms, once per user and parameter rise) could still be
   * overwritten. A failure leaves the old hash, which still verifies, for the
   * next sign-in to try again.
   */
  async function rehash(username: string, verified: LocalUser, password: string): Promise<void> {
    try {
      const passwordHash = await hashPassword(password, parameters);
      const key = userKey(username);
      const raw = await store.get(key);
      if (raw === undefined) return;
      const current = JSON.parse(raw) as LocalUser;
      if (current.id !== verified.id || current.passwordHash !== verified.passwordHash) return;
      await store.set(key, JSON.stringify({ ...current, passwordHash }));
    } catch {
      // The sign-in stands: the password was verified against the stored hash.
    }
  }

  /** Replaces the stored hash; the record is read and written whole (the local directory has one writer per user at a time). */
  async function writePassword(username: string, newPassword: string): Promise<PasswordWriteOutcome> {
    const user = await findUser(username);
    if (!user) return { status: 'not_found' };
    const updated: LocalUser = { ...user, passwordHash: await hashPassword(newPassword.normalize('NFC'), parameters) };
    await store.set(userKey(username), JSON.stringify(updated));
    return { status: 'ok' };
  }

  /** Rewrites the profile fields given (the record read and written whole, as writePassword does). */
  async function updateUser(username: string, changes: Partial<Pick<LocalUser, 'name' | 'email' | 'phoneNumber'>>): Promise<LocalUser | undefined> {
    const user = await findUser(username);
    if (!user) return undefined;
    const updated: LocalUser = { ...user };
    for (const field of ['name', 'email', 'phoneNumber'] as const) {
      if (!(field in changes)) continue;
      const value = changes[field];
      if (value === undefined) delete updated[field];
      else updated[field] = value;
    }
    await store.set(userKey(username), JSON.stringify(updated));
    return updated;
  }

  const connector: PasswordConnector = {
    kind: 'local',
    verifyPassword: verify,
    users: {
      add: async (input) => identityOf(await addUser(input)),
      find: async (username) => {
        const user = await findUser(username);
        return user && identityOf(user);
      },
      update: async (username, changes) => {
        const user = await updateUser(username, changes);
        return user && identityOf(user);
      },
    },
    async changePassword({ username, oldPassword, newPassword }) {
      const outcome = await verify({ username, password: oldPassword });
      if (outcome.status === 'invalid') return { status: 'invalid_old_password' };
      if (outcome.status !== 'ok') return { status: 'refused', reason: 'This account cannot change its password now.' };
      return writePassword(username, newPassword);
    },
    resetPassword: ({ username, newPassword }) => writePassword(username, newPassword),
    async health() {
      try {
        await store.ping();
        return { ok: true };
      } catch (error) {
        return { ok: false, reason: (error as Error).message };
      }
    },
  };

  return { connector, addUser, findUser };
}

/** Who a stored user is, as every caller sees it (the address is not proved by the directory). */
function identityOf(user: LocalUser): DirectoryIdentity {
  return {
    externalId: user.id,
    username: user.username,
    name: user.name,
    email: user.email,
    emailVerified: false,
    phoneNumber: user.phoneNumber,
    groups: user.groups,
  };
}

export type LocalDirectory = ReturnType<typeof createLocalDirectory>;
