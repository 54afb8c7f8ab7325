import type { DirectoryIdentity } from '../../kit/connector.ts';
import { createSealedCookie } from '../../lib/sealed-cookie.ts';

/** Who signed in at Microsoft (or another federated directory) without an account in the site. */
export interface FederatedSignUpPass {
  siteId: string;
  /** The connector kind the account will be linked by (e.g. `entra`). */
  kind: string;
  identity: DirectoryIdentity;
}

const isPass = (value: unknown): value is FederatedSignUpPass => {
  const pass = value as FederatedSignUpPass | undefined;
  return (
    typeof pass?.siteId === 'string' &&
    typeof pass.kind === 'string' &&
    typeof pass.identity?.externalId === 'string' &&
    typeof pass.identity.username === 'string' &&
    Array.isArray(pass.identity.groups)
  );
};

/**
 * "Request access" after a federated sign-in found no account: the identity
 * that sign-in proved (tid:oid for Entra) rides to "User Registration" in a
 * sealed cookie scoped to /register, so the request's account is linked to
 * it and the person's next sign-in with Microsoft finds it. Nobody can
 * request access for an identity they did not sign in as.
 */
export function createFederatedSignUpPass({ masterSecret }: { masterSecret: string }) {
  return createSealedCookie<FederatedSignUpPass>({
    masterSecret,
    purpose: 'federated-signup-pass',
    name: 'admit.federated-signup',
    path: '/register',
    lifetimeMs: 30 * 60 * 1000,
    isValue: isPass,
  });
}

export type FederatedSignUpPassCookie = ReturnType<typeof createFederatedSignUpPass>;
