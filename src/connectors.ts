import type { Store } from './store/port.ts';
import type { ConnectorFactory } from './services/sites.ts';
import { createLocalDirectory } from '../plugins/connector-local/local-directory.ts';
import { createLdapConnector } from '../plugins/connector-ldap/ldap-connector.ts';
import { createEntraConnector } from '../plugins/connector-entra/entra-connector.ts';

/** The directory connectors this build of admit ships, by `directory.kind`. */
export function connectorFactories({ store }: { store: Store }): Record<string, ConnectorFactory> {
  return {
    local: (site) => createLocalDirectory({
      store,
      siteId: site.id,
      hashing: { rehashOnSignIn: site.directory.kind === 'local' ? site.directory.rehashOnSignIn : true },
    }).connector,
    ldap: (site) => createLdapConnector(site.directory),
    entra: (site) => createEntraConnector(site.directory, { store, siteId: site.id }),
  };
}
