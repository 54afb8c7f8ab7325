import type { SiteConfig } from '../config/sites.ts';
import type { PasswordConnector } from '../kit/connector.ts';

export interface Site {
  config: SiteConfig;
  connector: PasswordConnector;
}

export type ConnectorFactory = (site: SiteConfig) => PasswordConnector;

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
    byId.set(config.id, { config, connector: factory(config) });
  });

  return {
    get: (id: string) => byId.get(id),
    list: () => [...byId.values()].map(({ config }) => ({ id: config.id, displayName: config.displayName })),
    all: () => [...byId.values()],
  };
}

export type SiteDirectory = ReturnType<typeof createSiteDirectory>;
