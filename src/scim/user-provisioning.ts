import { randomBytes } from 'node:crypto';
import { type DirectoryIdentity, UsernameTakenError } from '../kit/connector.ts';
import { canonicalUsername } from '../kit/username.ts';
import type { Account } from '../services/accounts.ts';
import type { ScimCall, ScimDeps } from './deps.ts';
import { ScimError } from './scim-error.ts';
import { accountNameOf, primaryEmail, type UserInput } from './user-resource.ts';

/** The statusReason of an account provisioning disabled (and so may enable again). */
export const SCIM_REASON = 'scim';

const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The directory identity a federated site's account is linked to: Entra's
 * `<tid>:<oid>` (plugins/connector-entra/identity.ts), which is what its
 * sign-in finds. externalId is the user's object id (with the site's
 * scim.tenantId) or the pair itself; anything else (Entra's default
 * mapping sends mailNickname) could never be signed in to, so it is refused.
 */
export function federatedLinkOf(call: ScimCall, externalId: string | undefined): string {
  const tenant = call.site.config.scim.tenantId;
  if (!externalId) throw new ScimError(400, "externalId is required in this site: map the user's objectId to externalId", 'invalidValue');
  const parts = externalId.toLowerCase().split(':');
  if (parts.length === 2 && parts.every((part) => OBJECT_ID.test(part))) return parts.join(':');
  if (parts.length === 1 && OBJECT_ID.test(parts[0]!) && tenant) return `${tenant.toLowerCase()}:${parts[0]}`;
  throw new ScimError(
    400,
    tenant
      ? "externalId must be the user's Entra object id (map objectId to externalId)"
      : "externalId must be '<tenant id>:<object id>', or set the site's scim.tenantId and send the object id",
    'invalidValue',
  );
}

/** Whether the site can hold provisioned users: admit keeps them (local), or they sign in at Entra ID. */
export const provisionable = (call: Pick<ScimCall, 'site'>) => call.site.federated !== undefined || call.site.connector.users !== undefined;

/**
 * A new account for the user (or the one the directory identity already
 * has: a person who signed in before being provisioned is the same
 * person). Federated: linked to the identity the sign-in finds. Local: a
 * directory user is made with a random password nobody knows; the person
 * sets one with Reset Password (the email is theirs).
 */
export async function provisionAccount(deps: ScimDeps, call: ScimCall, input: UserInput): Promise<{ account: Account; adopted: boolean }> {
  const fields = { name: accountNameOf(input), email: primaryEmail(input), status: input.active === false ? ('disabled' as const) : ('active' as const) };
  let kind: string;
  let identity: DirectoryIdentity;
  if (call.site.federated) {
    kind = call.site.federated.kind;
    identity = { externalId: federatedLinkOf(call, input.externalId), username: input.userName, name: fields.name, email: fields.email, groups: [] };
  } else {
    const users = call.site.connector.users;
    if (!users) throw new ScimError(404, 'This site does not take provisioned users.');
    kind = call.site.connector.kind;
    try {
      identity = await users.add({ username: input.userName, password: randomBytes(24).toString('base64url'), name: fields.name, email: fields.email });
    } catch (error) {
      if (!(error instanceof UsernameTakenError)) throw error;
      // In the directory, but never signed in (no account): the same user name is the same person there.
      const found = await users.find(input.userName);
      if (!found) throw error;
      identity = found;
    }
  }
  const linked = await deps.accounts.findLinked(call.siteId, kind, identity.externalId);
  if (linked) return { account: linked, adopted: true };
  const created = await deps.accounts.linkOrCreate(call.siteId, kind, identity, fields);
  // A parallel first sign-in linked it first: that account is the person's.
  if (created.createdAt !== created.lastSignInAt) return { account: created, adopted: true };
  // linkOrCreate is a sign-in's: nobody signed in yet, so the account says no sign-in time.
  // Made disabled (active false): provisioning disabled it, so provisioning may enable it.
  const account: Account = { ...created, lastSignInAt: undefined, ...(created.status === 'disabled' ? { statusReason: SCIM_REASON } : {}) };
  await deps.accounts.save(account);
  return { account, adopted: false };
}

/** The canonical user-name key (kit/username.ts), which every lookup and uniqueness check of the site uses. */
export const canonicalOf = (userName: string) => canonicalUsername(userName);
