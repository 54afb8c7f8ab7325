import { entraDirectoryPlugin } from '../plugins/connector-entra/plugin.ts';
import { ldapDirectoryPlugin } from '../plugins/connector-ldap/plugin.ts';
import { localDirectoryPlugin } from '../plugins/connector-local/plugin.ts';
import { configSchemaFor } from './config/schema.ts';
import { type SiteConfig, siteSchemaFor } from './config/sites.ts';
import type { DirectoryPlugin, DirectoryUsers } from './kit/connector.ts';
import type { DirectoryKind } from './services/sites.ts';
import type { Store } from './store/port.ts';

/**
 * The directory plugins this build of admit ships, one line each; a site's
 * `directory.kind` names one. A plugin's connector code is imported only
 * when a site uses its kind (see DirectoryPlugin.load).
 */
export const DIRECTORY_PLUGINS: readonly DirectoryPlugin[] = [localDirectoryPlugin, ldapDirectoryPlugin, entraDirectoryPlugin];

/** The kinds a site's `directory.kind` may name in this build. */
export const CONNECTOR_KINDS: readonly string[] = DIRECTORY_PLUGINS.map((plugin) => plugin.kind);

/** The directory plugins with `extra` (a test's own), which come before the built-in ones. */
export function directoryPlugins(extra: readonly DirectoryPlugin[] = []): readonly DirectoryPlugin[] {
  return extra.length === 0 ? DIRECTORY_PLUGINS : [...extra, ...DIRECTORY_PLUGINS];
}

/** The plugin of a kind; `extra` (a test's own) comes before the built-in ones. */
export function directoryPlugin(kind: string, extra: readonly DirectoryPlugin[] = []): DirectoryPlugin | undefined {
  return directoryPlugins(extra).find((plugin) => plugin.kind === kind);
}

/**
 * The config schema of this build: each site's `directory` block is
 * validated by the settings schema of its kind's plugin (`extra` ones too).
 * loadConfig is handed the same plugins by the entry (main.ts, cli/main.ts).
 */
export function buildConfigSchema(extra: readonly DirectoryPlugin[] = []) {
  return configSchemaFor(directoryPlugins(extra));
}

/** A site of this build's config (see buildConfigSchema). */
export function buildSiteSchema(extra: readonly DirectoryPlugin[] = []) {
  return siteSchemaFor(directoryPlugins(extra));
}

/** The config schema and the site schema of this build, with the plugins it ships. */
export const configSchema = buildConfigSchema();
export const siteSchema = buildSiteSchema();

/**
 * The loaded kinds for `kinds` (every kind this build ships when omitted);
 * a kind no plugin has is left out, for createSiteDirectory to refuse.
 */
export async function connectorFactories(
  { store }: { store: Store },
  kinds: Iterable<string> = CONNECTOR_KINDS,
  extra: readonly DirectoryPlugin[] = [],
): Promise<Record<string, DirectoryKind>> {
  const wanted = [...new Set(kinds)].flatMap((kind) => directoryPlugin(kind, extra) ?? []);
  const factories = await Promise.all(wanted.map((plugin) => plugin.load({ store })));
  return Object.fromEntries(wanted.map((plugin, index) => [plugin.kind, { capabilities: plugin.capabilities, create: factories[index]! }]));
}

/**
 * The users of a site's directory when admit manages them (the CLI and the
 * demo user add and find them); undefined for a directory that keeps its own.
 */
export async function managedUsers(store: Store, site: SiteConfig): Promise<DirectoryUsers | undefined> {
  const plugin = directoryPlugin(site.directory.kind);
  if (!plugin?.capabilities.managedUsers) return undefined;
  const connector = (await plugin.load({ store }))(site);
  return 'users' in connector ? connector.users : undefined;
}
