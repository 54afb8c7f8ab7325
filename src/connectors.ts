import type { Store } from './store/port.ts';
import type { ConnectorFactory } from './services/sites.ts';

type ConnectorModule = (deps: { store: Store }) => Promise<ConnectorFactory>;

/**
 * The directory connectors this build of admit ships, by `directory.kind`.
 * Each is imported only when a site uses its kind: the LDAP connector
 * (ldapts) and the Entra one (@azure/msal-node) are ~40 MiB of resident
 * memory together, loaded for nothing by a config with local sites only.
 */
const CONNECTOR_MODULES: Record<string, ConnectorModule> = {
  local: async ({ store }) => {
    const { createLocalDirectory } = await import('../plugins/connector-local/local-directory.ts');
    return (site) => createLocalDirectory({
      store,
      siteId: site.id,
      hashing: { rehashOnSignIn: site.directory.kind === 'local' ? site.directory.rehashOnSignIn : true },
    }).connector;
  },
  ldap: async () => {
    const { createLdapConnector } = await import('../plugins/connector-ldap/ldap-connector.ts');
    return (site) => createLdapConnector(site.directory);
  },
  entra: async ({ store }) => {
    const { createEntraConnector } = await import('../plugins/connector-entra/entra-connector.ts');
    return (site) => createEntraConnector(site.directory, { store, siteId: site.id });
  },
};

/** The kinds a site's `directory.kind` may name in this build. */
export const CONNECTOR_KINDS: readonly string[] = Object.keys(CONNECTOR_MODULES);

/**
 * The factories for `kinds` (every kind this build ships when omitted);
 * a kind this build does not ship is left out, for createSiteDirectory to refuse.
 */
export async function connectorFactories({ store }: { store: Store }, kinds: Iterable<string> = CONNECTOR_KINDS): Promise<Record<string, ConnectorFactory>> {
  const wanted = [...new Set(kinds)].filter((kind) => Object.hasOwn(CONNECTOR_MODULES, kind));
  const factories = await Promise.all(wanted.map((kind) => CONNECTOR_MODULES[kind]!({ store })));
  return Object.fromEntries(wanted.map((kind, index) => [kind, factories[index]!]));
}
