import { defineDirectoryPlugin } from '../../src/kit/index.ts';
import { entraSettingsSchema } from './settings.ts';

/** Microsoft Entra ID: users sign in at Microsoft; admit never sees, changes or unlocks a password. */
export const entraDirectoryPlugin = defineDirectoryPlugin({
  kind: 'entra',
  settings: entraSettingsSchema,
  capabilities: { passwords: false, passwordChange: false, passwordReset: false, unlock: false, federated: true, managedUsers: false },
  async load({ store }) {
    const { createEntraConnector } = await import('./entra-connector.ts');
    return (site) => createEntraConnector(site.directory, { store, siteId: site.id });
  },
});
