import { defineDirectoryPlugin } from '../../src/kit/index.ts';
import { ldapSettingsSchema } from './settings.ts';

/**
 * LDAP / Active Directory: the directory's users and passwords, its password
 * policy and its own lock (ppolicy, lockoutTime), which admit can clear.
 */
export const ldapDirectoryPlugin = defineDirectoryPlugin({
  kind: 'ldap',
  settings: ldapSettingsSchema,
  capabilities: { passwords: true, passwordChange: true, passwordReset: true, unlock: true, federated: false, managedUsers: false },
  async load() {
    const { createLdapConnector } = await import('./ldap-connector.ts');
    return (site) => createLdapConnector(site.directory);
  },
});
