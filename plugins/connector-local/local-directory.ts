import { randomUUID } from 'node:crypto';
import {
  hashPassword, verifyPassword, makeDecoyHash, storeKey,
  type Store, type PasswordConnector, type PasswordOutcome, type PasswordWriteOutcome,
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

export type NewLocalUser = Pick<LocalUser, 'username'> & Partial<Pick<LocalUser, 'name' | 'email' | 'phoneNumber' | 'groups'>> & {
  password: string;
};

export class LocalUserExistsError extends Error {
  override name = 'LocalUserExistsError';
}

/**
 * admit's local directory for one site. User names are unique per site and
 * compared case-insensitively; the record is keyed by the normalised name.
 */
export function createLocalDirectory({ store, siteId }: { store: Store; siteId: string }) {
  const userKey = (username: string) => storeKey('local-user', `${siteId}:${normalise(username)}`);
  let decoyHash: Promise<string> | undefined;

  async function findUser(username: string): Promise<LocalUser | undefined> {
    const raw = await store.get(userKey(username));
    return raw === undefined ? undefined : (JSON.parse(raw) as LocalUser);
  }

  async function addUser(input: NewLocalUser): Promise<LocalUser> {
    const user: LocalUser = {
      id: randomUUID(),
      username: input.username,
      passwordHash: await hashPassword(input.password.normalize('NFC')),
      name: input.name,
      email: input.email,
      phoneNumber: input.phoneNumber,
      groups: input.groups ?? [],
      disabled: false,
      createdAt: new Date().toISOString(),
    };
    const created = await store.setIfAbsent(userKey(input.username), JSON.stringify(user));
    if (!created) throw new LocalUserExistsError(`the user name ${input.username} is taken in site ${siteId}`);
    return user;
  }

  async function verify({ username, password }: { username: string; password: string }): Promise<PasswordOutcome> {
    const user = await findUser(username);
    // Verify against a decoy when the user is unknown so both answers cost one argon2id.
    decoyHash ??= makeDecoyHash();
    // NFC, as the password policy counts: the same password typed on another keyboard matches.
    const matches = await verifyPassword(password.normalize('NFC'), user?.passwordHash ?? (await decoyHash));
    if (!user || !matches) return { status: 'invalid' };
    if (user.disabled) return { status: 'disabled' };
    return {
      status: 'ok',
      identity: {
        externalId: user.id,
        username: user.username,
        name: user.name,
        email: user.email,
        emailVerified: false,
        phoneNumber: user.phoneNumber,
        groups: user.groups,
      },
    };
  }

  /** Replaces the stored hash; the record is read and written whole (the local directory has one writer per user at a time). */
  async function writePassword(username: string, newPassword: string): Promise<PasswordWriteOutcome> {
    const user = await findUser(username);
    if (!user) return { status: 'not_found' };
    const updated: LocalUser = { ...user, passwordHash: await hashPassword(newPassword.normalize('NFC')) };
    await store.set(userKey(username), JSON.stringify(updated));
    return { status: 'ok' };
  }

  const connector: PasswordConnector = {
    kind: 'local',
    verifyPassword: verify,
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

export type LocalDirectory = ReturnType<typeof createLocalDirectory>;

function normalise(username: string): string {
  return username.normalize('NFKC').toLowerCase();
}
