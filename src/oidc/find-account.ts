import type { FindAccount } from 'oidc-provider';
import type { AccountService } from '../services/accounts.ts';

/**
 * oidc-provider's account look-up. A disabled or deleted account yields
 * nothing, so no token, refresh or userinfo call succeeds for it.
 */
export function createFindAccount(accounts: AccountService): FindAccount {
  return async (_ctx, id) => {
    const account = await accounts.find(id);
    if (!account || account.status !== 'active') return undefined;
    return {
      accountId: account.id,
      async claims() {
        return {
          sub: account.id,
          name: account.name,
          email: account.email,
          email_verified: account.email === undefined ? undefined : account.emailVerified,
          phone_number: account.phoneNumber,
          tenant: account.siteId,
          groups: account.groups,
        };
      },
    };
  };
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
  profile: ['name'],
  email: ['email', 'email_verified'],
  phone: ['phone_number'],
  tenant: ['tenant'],
  groups: ['groups'],
};
