import type { FindAccount } from 'oidc-provider';
import type { Account, AccountService } from '../services/accounts.ts';
import { prefetchModel } from '../store/oidc-adapter.ts';
import type { Store } from '../store/port.ts';

/**
 * oidc-provider's account look-up. A disabled or deleted account yields
 * nothing, so no token, refresh or userinfo call succeeds for it.
 */
export function createFindAccount(accounts: AccountService, store: Store): FindAccount {
  return async (_ctx, id, token) => {
    // At userinfo oidc-provider reads the token's grant right after the account:
    // both are fetched in one round trip, and the request memo answers the grant's read.
    const grantId = (token as { grantId?: unknown } | undefined)?.grantId;
    const [account] = await Promise.all([accounts.find(id), typeof grantId === 'string' ? prefetchModel(store, 'Grant', grantId) : undefined]);
    if (account?.status !== 'active') return undefined;
    return {
      accountId: account.id,
      async claims() {
        return {
          sub: account.id,
          name: account.name,
          // The language the person last signed in with (BCP 47), for the application to answer in it.
          locale: account.locale,
          email: account.email,
          email_verified: account.email === undefined ? undefined : account.emailVerified,
          phone_number: account.phoneNumber,
          phone_number_verified: account.phoneNumber === undefined ? undefined : phoneVerified(account),
          tenant: account.siteId,
          groups: account.groups,
        };
      },
    };
  };
}

/**
 * A phone number is verified when the user proved it with a code in the
 * portal's Self Update (it is then `selfUpdated.phoneNumber`); one the
 * directory supplied is released as unverified, like a directory email.
 */
function phoneVerified(account: Account): boolean {
  return account.selfUpdated?.phoneNumber !== undefined && account.selfUpdated.phoneNumber === account.phoneNumber;
}

/**
 * Scopes and the claims each releases (`tenant` and `groups` are admit's
 * own); a `null` entry is a claim that exists outside any scope. `openid`
 * carries acr, amr and auth_time so every ID token says how the user signed
 * in, without the client having to ask with the claims parameter.
 */
export const claimsByScope = {
  acr: null,
  amr: null,
  auth_time: null,
  sid: null,
  iss: null,
  openid: ['sub', 'acr', 'amr', 'auth_time'],
  profile: ['name', 'locale'],
  email: ['email', 'email_verified'],
  phone: ['phone_number', 'phone_number_verified'],
  tenant: ['tenant'],
  groups: ['groups'],
};
