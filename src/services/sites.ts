import type { SiteConfig } from '../config/sites.ts';
import type { FederatedConnector, PasswordConnector } from '../kit/connector.ts';

export interface Site {
  config: SiteConfig;
  /** Password sign-in; for a federated site, one that refuses every password (users sign in upstream). */
  connector: PasswordConnector;
  /** Set when the site's users sign in at an upstream identity provider (Entra) instead. */
  federated?: FederatedConnector;
}

/** A site's directory is password-based or federated. */
export type ConnectorFactory = (site: SiteConfig) => PasswordConnector | FederatedConnector;

function isFederated(connector: PasswordConnector | FederatedConnector): connector is FederatedConnector {
  return (connector as FederatedConnector).federated === true;
}

/**
 * What password code paths see of a federated site: no password is ever
 * accepted or changed here, and health and close are the federated connector's.
 */
function passwordlessFacade(federated: FederatedConnector): PasswordConnector {
  return {
    kind: federated.kind,
    verifyPassword: async () => ({ status: 'invalid' }),
    health: () => federated.health(),
    close: federated.close ? () => federated.close!() : undefined,
  };
}

/**
 * The client sites of "Log on to", each with its directory connector built
 * once at start. A site whose directory kind has no connector stops start-up.
 */
export function createSiteDirectory(sites: SiteConfig[], factories: Record<string, ConnectorFactory>) {
  const byId = new Map<string, Site>();
  sites.forEach((config, index) => {
    const factory = factories[config.directory.kind];
    if (!factory) {
      throw new Error(`sites.${index}.directory.kind: no "${config.directory.kind}" connector in this version of admit`);
    }
    const connector = factory(config);
    byId.set(config.id, isFederated(connector)
      ? { config, connector: passwordlessFacade(connector), federated: connector }
      : { config, connector });
  });

  return {
    get: (id: string) => byId.get(id),
    /** `federated` tells the sign-in page to offer the upstream's button instead of the password fields. */
    list: () => [...byId.values()].map(({ config, federated }) => ({ id: config.id, displayName: config.displayName, federated: federated !== undefined })),
    all: () => [...byId.values()],
  };
}

export type SiteDirectory = ReturnType<typeof createSiteDirectory>;
