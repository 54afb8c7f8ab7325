import type { DirectoryPlugin } from '../../src/kit/index.ts';

/**
 * admit's own directory: users and password hashes kept in admit's store.
 * admit manages its users (registration and invitations make them), and has
 * no lock of its own to clear (admit's lockout counts the tries).
 */
export const localDirectoryPlugin: DirectoryPlugin = {
  kind: 'local',
  capabilities: { passwords: true, passwordChange: true, passwordReset: true, unlock: false, federated: false, managedUsers: true },
  async load({ store }) {
    const { createLocalDirectory } = await import('./local-directory.ts');
    return (site) => createLocalDirectory({
      store,
      siteId: site.id,
      // The config's local-directory block (config/sites.ts) has rehashOnSignIn, true by default.
      hashing: { rehashOnSignIn: (site.directory as { rehashOnSignIn?: boolean }).rehashOnSignIn ?? true },
    }).connector;
  },
};
