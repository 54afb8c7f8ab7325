import type { DirectoryCapabilities } from '../../kit/connector.ts';

/**
 * How an invitee of a site signs in, told in the invitation's email and on
 * its page: a user name and password chosen on the invitation's page (a
 * directory admit manages), the upstream's account (federated), or the
 * site's own directory password. A site gone from the config reads as the
 * first, as it always has.
 */
export type SignInWay = 'choose' | 'federated' | 'directory';

export function signInWay(capabilities: DirectoryCapabilities | undefined): SignInWay {
  if (!capabilities || capabilities.managedUsers) return 'choose';
  return capabilities.federated ? 'federated' : 'directory';
}
