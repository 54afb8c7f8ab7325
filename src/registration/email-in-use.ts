import type { RegistrationDeps } from './deps.ts';

/** Whether this email is taken in the site: an account with it (a denied one too), or an open invitation. */
export async function emailInUse(deps: Pick<RegistrationDeps, 'accounts' | 'invitations'>, siteId: string, email: string): Promise<boolean> {
  if ((await deps.accounts.findByEmail(siteId, email)).length > 0) return true;
  return (await deps.invitations.refusalFor(siteId, email)) === 'already_invited';
}
