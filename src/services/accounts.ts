import { randomBytes } from 'node:crypto';
import { storeKey, type Store } from '../store/port.ts';
import type { DirectoryIdentity } from '../kit/connector.ts';

/**
 * admit's record of a person in one site. Its id is the OIDC `sub`: random,
 * stable, and per site. The link to the directory is the directory's
 * immutable id (`externalId`), never a name or an email, so a renamed user
 * keeps their account.
 */
export interface Account {
  id: string;
  siteId: string;
  directoryKind: string;
  externalId: string;
  username: string;
  name?: string;
  email?: string;
  emailVerified: boolean;
  phoneNumber?: string;
  groups: string[];
  /**
   * active: may sign in. disabled: refused by an admin. pending_approval: a
   * sign-up request waiting for an admin. denied: the request was refused.
   */
  status: 'active' | 'disabled' | 'pending_approval' | 'denied';
  createdAt: string;
  lastSignInAt?: string;
  /** The next sign-in must change the password (first sign-in, admin reset). */
  passwordChangeRequired?: boolean;
  passwordChangedAt?: string;
  /** argon2id hashes of the passwords set through admit, newest first (the password policy's history rule). */
  passwordHistory?: string[];
}

const accountKey = (id: string) => storeKey('account', id);
const linkKey = (siteId: string, kind: string, externalId: string) => storeKey('account-link', `${siteId}:${kind}:${externalId}`);

export function createAccountService({ store }: { store: Store }) {
  async function find(id: string): Promise<Account | undefined> {
    const raw = await store.get(accountKey(id));
    return raw === undefined ? undefined : (JSON.parse(raw) as Account);
  }

  const save = (account: Account) => store.set(accountKey(account.id), JSON.stringify(account));

  /**
   * The account linked to this directory identity, created on first sign-in.
   * Profile fields the directory owns are refreshed on every sign-in.
   */
  async function linkOrCreate(siteId: string, directoryKind: string, identity: DirectoryIdentity): Promise<Account> {
    const link = linkKey(siteId, directoryKind, identity.externalId);
    const now = new Date().toISOString();
    const linkedId = await store.get(link);
    const existing = linkedId === undefined ? undefined : await find(linkedId);
    if (existing) {
      const refreshed: Account = { ...existing, ...directoryFields(identity), lastSignInAt: now };
      await save(refreshed);
      return refreshed;
    }
    const created: Account = {
      id: randomBytes(16).toString('base64url'),
      siteId,
      directoryKind,
      externalId: identity.externalId,
      ...directoryFields(identity),
      status: 'active',
      createdAt: now,
      lastSignInAt: now,
    };
    // Write the record before claiming the link, so a visible link never points at nothing.
    await save(created);
    if (await store.setIfAbsent(link, created.id)) return created;
    // A parallel first sign-in claimed the link first: use its account, drop ours.
    await store.delete(accountKey(created.id));
    const winner = await find((await store.get(link)) ?? '');
    if (!winner) throw new Error('account link points at a missing account');
    return winner;
  }

  /** The account linked to this directory identity, if any; never creates one. */
  async function findLinked(siteId: string, directoryKind: string, externalId: string): Promise<Account | undefined> {
    const id = await store.get(linkKey(siteId, directoryKind, externalId));
    return id === undefined ? undefined : find(id);
  }

  return { find, save, linkOrCreate, findLinked };
}

export type AccountService = ReturnType<typeof createAccountService>;

function directoryFields(identity: DirectoryIdentity) {
  return {
    username: identity.username,
    name: identity.name,
    email: identity.email,
    emailVerified: identity.emailVerified ?? false,
    phoneNumber: identity.phoneNumber,
    groups: identity.groups,
  };
}
