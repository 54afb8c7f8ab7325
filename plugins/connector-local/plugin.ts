import { defineDirectoryPlugin } from '../../src/kit/index.ts';
import { localSettingsSchema } from './settings.ts';

/**
 * admit's own directory: users and password hashes kept in admit's store.
 * admit manages its users (registration and invitations make them), and has
 * no lock of its own to clear (admit's lockout counts the tries).
 */
export const localDirectoryPlugin = defineDirectoryPlugin({
  kind: 'local',
  settings: localSettingsSchema,
  capabilities: { passwords: true, passwordChange: true, passwordReset: true, unlock: false, federated: false, managedUsers: true },
  async load({ store }) {
    const { createLocalDirectory } = await import('./local-directory.ts');
    return (site) => createLocalDirectory({ store, siteId: site.id, hashing: { rehashOnSignIn: site.directory.rehashOnSignIn } }).connector;
  },
});
