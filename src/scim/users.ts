import { randomBytes } from 'node:crypto';
import { ScimError as ScimPatchError, type ScimPatchOperation, type ScimResource, scimPatch } from 'scim-patch';
import type { Account } from '../services/accounts.ts';
import { auditScim, type ScimCall, type ScimDeps } from './deps.ts';
import { readPatch } from './patch-ops.ts';
import { ScimError } from './scim-error.ts';
import { externalKey, nameClaimKey, readExtra, userExtraKey, withLock } from './scim-store.ts';
import { canonicalOf, federatedLinkOf, provisionAccount, SCIM_REASON } from './user-provisioning.ts';
import { accountNameOf, parseUser, primaryEmail, USER_SCHEMA, type UserExtra, type UserInput, userResource } from './user-resource.ts';

export interface LoadedUser {
  account: Account;
  extra: UserExtra;
}

/** A pending create's claim on a user name ends by itself if the process dies before the account exists. */
const PENDING_CLAIM_SECONDS = 60;

const taken = (attribute: string) => new ScimError(409, `${attribute} is already used by another user of this site.`, 'uniqueness');

/** If-Match (RFC 7644 §3.14): a write names the version it read; another version is 412 and nothing changes. */
export function checkIfMatch(ifMatch: string | undefined, version: string): void {
  if (!ifMatch || ifMatch.trim() === '*') return;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  if (!ifMatch.split(',').some((tag) => bare(tag) === bare(version))) {
    throw new ScimError(412, 'The resource changed since that version was read (If-Match); read it again.');
  }
}

/**
 * The SCIM Users of a site: accounts of that site. Writes (create, replace,
 * patch, delete) hold the user's lock, are audited with the actor "scim",
 * and deprovisioning (active false, DELETE) disables the account and ends
 * its sessions, as the console's Disable does.
 */
export function createScimUsers(deps: ScimDeps) {
  const { store } = deps;

  /** Whether `id` is an account of the site SCIM still shows (with this user name, when one is given). */
  async function live(call: ScimCall, id: string, canonical?: string): Promise<boolean> {
    const account = await deps.accounts.find(id);
    if (!account || account.siteId !== call.siteId) return false;
    if (canonical !== undefined && canonicalOf(account.username) !== canonical) return false;
    return !(await readExtra(store, id)).deleted;
  }

  async function load(call: ScimCall, id: string): Promise<LoadedUser> {
    const account = id.length <= 100 ? await deps.accounts.find(id) : undefined;
    const extra = account ? await readExtra(store, account.id) : {};
    if (!account || account.siteId !== call.siteId || extra.deleted) throw new ScimError(404, `No user ${id} in this site.`);
    return { account, extra };
  }

  /**
   * Claims the user name's key for `holder`: of parallel creates of one
   * name exactly one gets it (setIfAbsent). A claim whose holder is gone,
   * deleted or renamed is taken over; `mine` is the account already
   * holding it (a user brought back after a DELETE).
   */
  async function claimName(call: ScimCall, canonical: string, holder: string, mine?: string, ttlSeconds?: number): Promise<void> {
    const key = nameClaimKey(call.siteId, canonical);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      if (await store.setIfAbsent(key, holder, ttlSeconds ? { ttlSeconds } : undefined)) return;
      const current = await store.get(key);
      if (current === undefined) continue;
      if (current === holder || current === mine) {
        await store.set(key, holder);
        return;
      }
      if (current.startsWith('pending:') || (await live(call, current, canonical))) throw taken('userName');
      await store.compareAndDelete(key, current);
    }
    throw taken('userName');
  }

  async function externalIdFree(call: ScimCall, externalId: string | undefined, self?: string): Promise<void> {
    if (!externalId) return;
    const holder = await store.get(externalKey(call.siteId, externalId));
    if (holder && holder !== self && (await live(call, holder))) throw taken('externalId');
  }

  /** Applies the resource as it should now be to the account; audits what changed. */
  async function write(call: ScimCall, loaded: LoadedUser, input: UserInput, creating: boolean, claimed?: string): Promise<LoadedUser> {
    const account = (await deps.accounts.find(loaded.account.id)) ?? loaded.account;
    const { extra } = loaded;
    const next: Account = { ...account };
    const changed: string[] = [];
    if (input.userName !== account.username) {
      const canonical = canonicalOf(input.userName);
      if (canonical !== canonicalOf(account.username)) {
        if (!call.site.federated) throw new ScimError(400, "A user of admit's own directory keeps the user name they sign in with.", 'mutability');
        const other = await deps.accounts.findByUsername(call.siteId, input.userName);
        if (other && other.id !== account.id && !(await readExtra(store, other.id)).deleted) throw taken('userName');
        await claimName(call, canonical, account.id, claimed);
        await store.compareAndDelete(nameClaimKey(call.siteId, canonicalOf(account.username)), account.id);
      }
      next.username = input.userName;
      changed.push('userName');
    }
    if (input.externalId !== extra.externalId) {
      if (call.site.federated && input.externalId !== undefined && federatedLinkOf(call, input.externalId) !== account.externalId)
        throw new ScimError(400, 'externalId is the Entra identity this account signs in as; it cannot change.', 'mutability');
      await externalIdFree(call, input.externalId, account.id);
      changed.push('externalId');
    }
    const name = accountNameOf(input);
    if (name !== account.name) {
      next.name = name;
      changed.push('name');
    }
    const email = primaryEmail(input);
    if (email !== account.email) {
      next.email = email;
      // Entra does not prove an address (its sign-in's email is never verified either); the same one in another case still is.
      next.emailVerified = account.emailVerified && email?.toLowerCase() === account.email?.toLowerCase();
      changed.push('email');
    }
    const wantActive = input.active ?? (creating || extra.deleted ? true : account.status === 'active');
    const now = new Date().toISOString();
    const disabling = !wantActive && account.status === 'active';
    // Provisioning enables what provisioning disabled. An account an admin disabled, or a request waiting for or
    // refused by an admin, stays as it is: the console decides those (its Enable, the approval queue).
    const enabling = wantActive && account.status === 'disabled' && account.statusReason === SCIM_REASON;
    const keptOff = wantActive && account.status !== 'active' && !enabling;
    if (disabling || enabling) Object.assign(next, { status: wantActive ? 'active' : 'disabled', statusReason: SCIM_REASON, statusChangedAt: now });
    const nextExtra: UserExtra = {
      ...(input.externalId ? { externalId: input.externalId } : {}),
      ...(input.displayName ? { displayName: input.displayName } : {}),
      ...(input.name && (input.name.formatted || input.name.givenName || input.name.familyName)
        ? { name: { formatted: input.name.formatted, givenName: input.name.givenName, familyName: input.name.familyName } }
        : {}),
    };
    const extraChanged = JSON.stringify({ ...nextExtra }) !== JSON.stringify({ ...extra, lastModified: undefined, deleted: undefined });
    const anything = creating || extra.deleted || changed.length > 0 || disabling || enabling || extraChanged;
    nextExtra.lastModified = anything ? now : extra.lastModified;
    // A directory admit keeps (local) is where a sign-in refreshes the profile from: it is written first, so the next sign-in keeps the change.
    const profileChanged = changed.includes('name') || changed.includes('email');
    const directoryUsers = call.site.connector.users;
    if (profileChanged && !call.site.federated && directoryUsers?.update) {
      const stored = await directoryUsers.update(account.username, { name: next.name, email: next.email });
      if (!stored) throw new ScimError(404, "The user is no longer in the site's directory.");
    }
    if (changed.length || disabling || enabling) await deps.accounts.save(next);
    if (anything) await store.set(userExtraKey(account.id), JSON.stringify(nextExtra));
    if (input.externalId !== extra.externalId) {
      if (input.externalId) await store.set(externalKey(call.siteId, input.externalId), account.id);
      if (extra.externalId) await store.compareAndDelete(externalKey(call.siteId, extra.externalId), account.id);
    }
    const who = { username: next.username, accountId: next.id };
    if (creating) auditScim(deps, call, { action: 'scim.user.create', outcome: 'ok', ...who, detail: { restored: extra.deleted === true } });
    else if (changed.length || extraChanged)
      auditScim(deps, call, { action: 'scim.user.update', outcome: 'ok', ...who, detail: { changed: changed.join(' ') || 'name parts' } });
    if (disabling) {
      const sessionsEnded = await deps.signOutEverywhere(account.id);
      auditScim(deps, call, { action: 'scim.user.disable', outcome: 'ok', ...who, detail: { sessionsEnded } });
    }
    if (enabling && !creating) auditScim(deps, call, { action: 'scim.user.enable', outcome: 'ok', ...who, detail: { from: account.status } });
    if (keptOff && (input.active === true || creating))
      auditScim(deps, call, { action: 'scim.user.enable', outcome: 'refused', ...who, detail: { status: account.status } });
    return { account: next, extra: nextExtra };
  }

  function requireUserSchema(body: unknown): void {
    const schemas = (body as { schemas?: unknown } | undefined)?.schemas;
    if (!Array.isArray(schemas) || !schemas.includes(USER_SCHEMA)) throw new ScimError(400, `schemas must include ${USER_SCHEMA}`, 'invalidSyntax');
  }

  async function create(call: ScimCall, body: unknown): Promise<LoadedUser> {
    requireUserSchema(body);
    const input = parseUser(body);
    const canonical = canonicalOf(input.userName);
    const byName = await deps.accounts.findByUsername(call.siteId, input.userName);
    const byNameExtra = byName ? await readExtra(store, byName.id) : {};
    if (byName && !byNameExtra.deleted) throw taken('userName');
    await externalIdFree(call, input.externalId, byName?.id);
    const pending = `pending:${randomBytes(9).toString('base64url')}`;
    await claimName(call, canonical, pending, byName?.id, PENDING_CLAIM_SECONDS);
    try {
      // A user deleted before comes back as the same account (its link, history and audit trail).
      const found = byName ? { account: byName, adopted: true } : await provisionAccount(deps, call, input);
      // Adopted: the directory identity already had an account (a sign-in before provisioning): the same person.
      const extra = byName ? byNameExtra : await readExtra(store, found.account.id);
      const result = await withLock(store, found.account.id, () => write(call, { account: found.account, extra }, input, true, pending));
      await store.set(nameClaimKey(call.siteId, canonical), found.account.id);
      return result;
    } catch (error) {
      await store.compareAndDelete(nameClaimKey(call.siteId, canonical), pending);
      throw error;
    }
  }

  async function replace(call: ScimCall, id: string, body: unknown, ifMatch?: string): Promise<LoadedUser> {
    requireUserSchema(body);
    const input = parseUser(body);
    return withLock(store, id, async () => {
      const loaded = await load(call, id);
      checkIfMatch(ifMatch, (userResource(loaded.account, loaded.extra, call.base).meta as { version: string }).version);
      return write(call, loaded, input, false);
    });
  }

  async function patch(call: ScimCall, id: string, body: unknown, ifMatch?: string): Promise<LoadedUser> {
    const ops = readPatch(body);
    return withLock(store, id, async () => {
      const loaded = await load(call, id);
      const { meta, ...current } = userResource(loaded.account, loaded.extra, call.base) as { meta: { version: string } } & Record<string, unknown>;
      checkIfMatch(ifMatch, meta.version);
      let patched: Record<string, unknown>;
      try {
        patched = scimPatch(structuredClone(current) as unknown as ScimResource, ops as ScimPatchOperation[], {
          mutateDocument: true,
          treatMissingAsAdd: true,
        }) as unknown as Record<string, unknown>;
      } catch (error) {
        if (error instanceof ScimPatchError) throw new ScimError(400, error.message, error.scimCode === 'noTarget' ? 'noTarget' : 'invalidValue');
        throw error;
      }
      return write(call, loaded, parseUser(patched), false);
    });
  }

  async function remove(call: ScimCall, id: string, ifMatch?: string): Promise<void> {
    await withLock(store, id, async () => {
      const { account, extra } = await load(call, id);
      checkIfMatch(ifMatch, (userResource(account, extra, call.base).meta as { version: string }).version);
      // An active account is disabled by provisioning; a request waiting or refused (which cannot sign in) stays as it is.
      if (account.status === 'active')
        await deps.accounts.save({ ...account, status: 'disabled', statusReason: SCIM_REASON, statusChangedAt: new Date().toISOString() });
      await store.set(userExtraKey(account.id), JSON.stringify({ ...extra, deleted: true, lastModified: new Date().toISOString() }));
      const sessionsEnded = await deps.signOutEverywhere(account.id);
      // "ok" when the delete disabled the account; one already disabled (Entra's soft delete came first) was disabled once already.
      const outcome = account.status === 'active' ? 'ok' : 'already_disabled';
      auditScim(deps, call, { action: 'scim.user.delete', outcome, username: account.username, accountId: account.id, detail: { sessionsEnded } });
    });
  }

  return { load, create, replace, patch, remove, live };
}

export type ScimUsers = ReturnType<typeof createScimUsers>;
