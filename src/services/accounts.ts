import { randomBytes } from 'node:crypto';
import type { DirectoryIdentity } from '../kit/connector.ts';
import { checkUsername, legacyUsernameKey } from '../kit/username.ts';
import { type Store, storeKey } from '../store/port.ts';
import { createAccountIndex, type SearchOptions, type SearchPage } from './accounts-index.ts';

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
  /**
   * When the first sign-in went through every step (set by the sign-in
   * sequencer). Absent: the next sign-in is the first, whatever touched the
   * account before (an admin role, a CLI import).
   */
  firstSignInAt?: string;
  /** The language of the last sign-in (a shipped BCP 47 tag): its emails' language, and the OIDC `locale` claim. */
  locale?: string;
  /** The next sign-in must change the password (first sign-in, admin reset). */
  passwordChangeRequired?: boolean;
  passwordChangedAt?: string;
  /** argon2id hashes of the passwords set through admit, newest first (the password policy's history rule). */
  passwordHistory?: string[];
  /**
   * Contact details the user set (and, for email and phone, proved) in the
   * portal's Self Update. They win over what the directory says at sign-in.
   */
  selfUpdated?: { name?: string; email?: string; phoneNumber?: string };
  /** Sites this person administers in the admin console; `*` is every site (global admin). */
  adminSites?: string[];
  /** Groups admit gave (an invitation's), kept in `groups` whatever the directory says. */
  grantedGroups?: string[];
  /** Why the status last changed (a denial's reason), and when. */
  statusReason?: string;
  statusChangedAt?: string;
}

/** What a new account may start with instead of the defaults (an invitation's grants, a sign-up's pending status). */
export type NewAccountFields = Partial<Pick<Account, 'status' | 'name' | 'email' | 'emailVerified' | 'grantedGroups' | 'adminSites' | 'passwordChangedAt'>>;

const accountKey = (id: string) => storeKey('account', id);
const linkKey = (siteId: string, kind: string, externalId: string) => storeKey('account-link', `${siteId}:${kind}:${externalId}`);
/**
 * Every account id of a site, as admit before the indexes kept it: walked page
 * by page by the index backfill, never read whole. Saves no longer add to it
 * (the indexes list a site; a large set made every save slower).
 */
const siteAccountsKey = (siteId: string) => storeKey('site-accounts', siteId);
/**
 * The canonical user-name key (kit/username.ts); a stored name that has none
 * (it predates the profile) keeps the old key, so it is still found.
 */
const nameOf = (username: string) => {
  const checked = checkUsername(username);
  return checked.ok ? checked.key : legacyUsernameKey(username);
};
/** The account of a user name in a site (checked on read: a rename leaves the old name behind). */
const usernameKey = (siteId: string, username: string) => storeKey('account-name', `${siteId}:${nameOf(username)}`);
/** Where the index entry was before the canonical key (NFKC + lower case, untrimmed). */
const legacyNameKey = (siteId: string, username: string) => storeKey('account-name', `${siteId}:${legacyUsernameKey(username)}`);

/** Accounts that hold (or held: members are checked on read) an admin role. */
const adminsKey = storeKey('admins', 'all');

export function createAccountService({
  store,
  audit,
}: {
  store: Store;
  /** Where a new account is recorded (`account.create`, the user.created webhook's source); absent in tools and unit tests. */
  audit?: {
    record(
      ctx: undefined,
      event: { action: string; outcome: string; site: string; username: string; accountId: string; detail: Record<string, string> },
    ): unknown;
  };
}) {
  // The search indexes (accounts-index.ts): user name by its canonical key, email, name; per status too.
  const index = createAccountIndex<Account>({
    store,
    siteAccountsKey,
    fieldValue: (account, field) => (field === 'username' ? nameOf(account.username) : field === 'email' ? account.email : account.name),
  });

  async function find(id: string): Promise<Account | undefined> {
    const raw = await store.get(accountKey(id));
    return raw === undefined ? undefined : (JSON.parse(raw) as Account);
  }

  /** Writes the record and moves its index entries along (the order is accounts-index.ts's consistency rule). */
  async function save(account: Account): Promise<void> {
    await index.prepare(account);
    await Promise.all([
      store.set(accountKey(account.id), JSON.stringify(account)),
      store.set(usernameKey(account.siteId, account.username), account.id),
      ...(account.adminSites?.length ? [store.addToSet(adminsKey, account.id)] : []),
    ]);
    await index.sync(account.siteId, account.id);
  }

  /**
   * The account linked to this directory identity, created on first sign-in.
   * Profile fields the directory owns are refreshed on every sign-in.
   * `linked`: the account the caller already found for this identity.
   */
  async function linkOrCreate(
    siteId: string,
    directoryKind: string,
    identity: DirectoryIdentity,
    initial: NewAccountFields = {},
    linked?: Account,
  ): Promise<Account> {
    const link = linkKey(siteId, directoryKind, identity.externalId);
    const now = new Date().toISOString();
    const existing = linked ?? (await findLinked(siteId, directoryKind, identity.externalId));
    if (existing) {
      const refreshed: Account = {
        ...existing,
        ...directoryFields(identity),
        ...keptVerifiedEmail(existing, identity),
        ...verifiedOverrides(existing),
        lastSignInAt: now,
      };
      refreshed.groups = withGranted(refreshed.groups, existing.grantedGroups);
      // A sign-in changes the record; the indexes already hold it unless the directory changed an indexed value.
      const same = (a: Account) => JSON.stringify(index.entriesOf(a));
      if (refreshed.username === existing.username && same(refreshed) === same(existing)) await store.set(accountKey(refreshed.id), JSON.stringify(refreshed));
      else await save(refreshed);
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
      ...definedOnly(initial),
    };
    created.groups = withGranted(created.groups, created.grantedGroups);
    // Write the record before claiming the link, so a visible link never points at nothing.
    await save(created);
    if (await store.setIfAbsent(link, created.id)) {
      // The one place an account is made, whichever path made it: recorded here, so each path need not.
      void audit?.record(undefined, {
        action: 'account.create',
        outcome: 'ok',
        site: siteId,
        username: created.username,
        accountId: created.id,
        detail: { status: created.status, directory: directoryKind },
      });
      return created;
    }
    // A parallel first sign-in claimed the link first: use its account, drop ours.
    await store.delete(accountKey(created.id));
    await index.sync(siteId, created.id);
    const winner = await find((await store.get(link)) ?? '');
    if (!winner) throw new Error('account link points at a missing account');
    return winner;
  }

  /** The account linked to this directory identity, if any; never creates one. */
  /** Keeps the language the person signed in with as their preference; written only when it changed. */
  async function rememberLocale(account: Account, locale: string): Promise<Account> {
    if (account.locale === locale) return account;
    const latest = (await find(account.id)) ?? account;
    const updated: Account = { ...latest, locale };
    // Not an indexed field: the record alone changes.
    await store.set(accountKey(account.id), JSON.stringify(updated));
    return updated;
  }

  async function findLinked(siteId: string, directoryKind: string, externalId: string): Promise<Account | undefined> {
    const id = await store.get(linkKey(siteId, directoryKind, externalId));
    return id === undefined ? undefined : find(id);
  }

  /**
   * A page of accounts of these sites by user name, email or name prefix
   * (and status), in the folded value's order; `next` / `prev` are the
   * cursors of the pages after and before. Reads index ranges, never a whole site.
   */
  function search(siteIds: readonly string[], options: SearchOptions): Promise<SearchPage<Account>> {
    return index.search(siteIds, options);
  }

  /** The first accounts of a site by user name, at most `limit` (tests and small tools; the console pages with search). */
  async function listBySite(siteId: string, limit = 200): Promise<Account[]> {
    return (await search([siteId], { limit })).accounts;
  }

  /** The site's accounts with this email (case-insensitive), by the email index (at most 50). */
  function findByEmail(siteId: string, email: string): Promise<Account[]> {
    return index.findByEmail(siteId, email);
  }

  /** Changes the status (approval, denial, disabling), re-reading the record so other fields are kept. */
  async function setStatus(id: string, status: Account['status'], reason?: string): Promise<Account | undefined> {
    const account = await find(id);
    if (!account) return undefined;
    const updated: Account = { ...account, status, statusReason: reason, statusChangedAt: new Date().toISOString() };
    await save(updated);
    return updated;
  }

  /** Every account with an admin role, in any site. */
  async function listAdmins(): Promise<Account[]> {
    // The set is walked 200 at a time (records of people who lost the role are dropped as they come), never read whole.
    const admins = new Map<string, Account>();
    let cursor: string | undefined;
    do {
      const page = await store.setScan(adminsKey, { cursor, count: 200 });
      for (const raw of await store.getMany(page.members.map(accountKey))) {
        const account = raw === undefined ? undefined : (JSON.parse(raw) as Account);
        if (account?.adminSites?.length) admins.set(account.id, account);
      }
      cursor = page.cursor;
    } while (cursor !== undefined);
    return [...admins.values()];
  }

  /** The account a user name signs in to in this site, if admit has one. */
  async function findByUsername(siteId: string, username: string): Promise<Account | undefined> {
    const ofName = async (key: string) => {
      const id = await store.get(key);
      const account = id === undefined ? undefined : await find(id);
      return account && account.siteId === siteId && nameOf(account.username) === nameOf(username) ? account : undefined;
    };
    const found = await ofName(usernameKey(siteId, username));
    if (found || legacyNameKey(siteId, username) === usernameKey(siteId, username)) return found;
    // An index entry written under the old key: found there, and moved to the canonical one.
    const old = await ofName(legacyNameKey(siteId, username));
    if (old) await store.set(usernameKey(siteId, old.username), old.id);
    return old;
  }

  return {
    find,
    save,
    linkOrCreate,
    rememberLocale,
    findLinked,
    search,
    listBySite,
    findByEmail,
    setStatus,
    listAdmins,
    findByUsername,
    backfillIndexes: index.backfill,
    ensureIndexed: index.ensureIndexed,
  };
}

export type AccountService = ReturnType<typeof createAccountService>;

/** The user's own, verified values, which a directory refresh must not undo. */
/**
 * An email proved in admit (an invitation link, a verification code) stays
 * until the directory vouches for another: an unverified directory email
 * (Entra's `email` claim never is) does not replace a proven one, nor is a
 * proven email lost when the directory sends none.
 */
function keptVerifiedEmail(account: Account, identity: DirectoryIdentity): Partial<Account> {
  return account.emailVerified && account.email && identity.emailVerified !== true ? { email: account.email, emailVerified: true } : {};
}

function verifiedOverrides(account: Account): Partial<Account> {
  const own = account.selfUpdated ?? {};
  return {
    ...(own.name === undefined ? {} : { name: own.name }),
    ...(own.email === undefined ? {} : { email: own.email, emailVerified: true }),
    ...(own.phoneNumber === undefined ? {} : { phoneNumber: own.phoneNumber }),
  };
}

function withGranted(groups: string[], granted: string[] | undefined): string[] {
  return granted?.length ? [...new Set([...groups, ...granted])] : groups;
}

function definedOnly(fields: NewAccountFields): NewAccountFields {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as NewAccountFields;
}

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
