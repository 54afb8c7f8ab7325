import type { DirectoryPlugin } from '../../src/kit/index.ts';

/**
 * LDAP / Active Directory: the directory's users and passwords, its password
 * policy and its own lock (ppolicy, lockoutTime), which admit can clear.
 */
export const ldapDirectoryPlugin: DirectoryPlugin = {
  kind: 'ldap',
  capabilities: { passwords: true, passwordChange: true, passwordReset: true, unlock: true, federated: false, managedUsers: false },
  async load() {
    const { createLdapConnector } = await import('./ldap-connector.ts');
    return (site) => createLdapConnector(site.directory);
  },
};
