import type { SiteConfig } from '../config/sites.ts';
import type { DirectoryCapabilities, FederatedConnector, PasswordConnector } from '../kit/connector.ts';

export interface Site {
  config: SiteConfig;
  /** What the site's directory can do, as its plugin declares: read these, never the directory's kind. */
  capabilities: DirectoryCapabilities;
  /** Password sign-in; for a federated site, one that refuses every password (users sign in upstream). */
  connector: PasswordConnector;
  /** Set when the site's users sign in at an upstream identity provider (Entra) instead. */
  federated?: FederatedConnector;
}

/** A site's directory is password-based or federated. */
export type ConnectorFactory = (site: SiteConfig) => PasswordConnector | FederatedConnector;

/** A directory kind, loaded: what its connectors can do, and how one is made for a site. */
export interface DirectoryKind {
  capabilities: DirectoryCapabilities;
  create: ConnectorFactory;
}

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

/** Where a connector lacks what its plugin declared (or has what it did not), so no caller finds out later. */
function mismatches(capabilities: DirectoryCapabilities, connector: PasswordConnector | FederatedConnector): string[] {
  const password = isFederated(connector) ? undefined : connector;
  const has: Record<keyof DirectoryCapabilities, boolean> = {
    passwords: password !== undefined,
    passwordChange: password?.changePassword !== undefined,
    passwordReset: password?.resetPassword !== undefined,
    unlock: password?.unlock !== undefined,
    federated: isFederated(connector),
    managedUsers: password?.users !== undefined,
  };
  return (Object.keys(has) as (keyof DirectoryCapabilities)[]).filter((name) => has[name] !== capabilities[name]);
}

/**
 * The client sites of "Log on to", each with its directory connector built
 * once at start. A site whose directory kind has no connector stops start-up.
 */
export function createSiteDirectory(sites: SiteConfig[], kinds: Record<string, DirectoryKind>) {
  const byId = new Map<string, Site>();
  sites.forEach((config, index) => {
    const kind = kinds[config.directory.kind];
    if (!kind) {
      throw new Error(`sites.${index}.directory.kind: no "${config.directory.kind}" connector in this version of admit`);
    }
    const connector = kind.create(config);
    const wrong = mismatches(kind.capabilities, connector);
    if (wrong.length > 0)
      throw new Error(`sites.${index}.directory: the "${config.directory.kind}" connector does not match its declared capabilities (${wrong.join(', ')})`);
    const { capabilities } = kind;
    byId.set(
      config.id,
      isFederated(connector) ? { config, capabilities, connector: passwordlessFacade(connector), federated: connector } : { config, capabilities, connector },
    );
  });

  return {
    get: (id: string) => byId.get(id),
    /** `federated` tells the sign-in page to offer the upstream's button instead of the password fields. */
    list: () => [...byId.values()].map(({ config, federated }) => ({ id: config.id, displayName: config.displayName, federated: federated !== undefined })),
    all: () => [...byId.values()],
  };
}

export type SiteDirectory = ReturnType<typeof createSiteDirectory>;
