import { randomBytes } from 'node:crypto';
import type { Config } from './config/schema.ts';
import { managedUsers } from './connectors.ts';
import { UsernameTakenError } from './kit/connector.ts';
import type { Store } from './store/port.ts';

/**
 * Creates the configured demo user once, with a random password that meets
 * the seed's password rules, and returns the password to print. Returns
 * undefined when there is no demo user to create.
 */
export async function ensureDemoUser(config: Config, store: Store): Promise<{ site: string; username: string; password?: string } | undefined> {
  if (!config.demo) return undefined;
  const site = config.sites.find((candidate) => candidate.id === config.demo?.site);
  const users = site && (await managedUsers(store, site));
  if (!site || !users) throw new Error(`demo.site: ${config.demo.site} is not a site with the local directory`);
  const password = `Demo-${randomBytes(9).toString('base64url')}7a`;
  try {
    await users.add({ username: config.demo.username, password, name: 'Demo User', email: 'demo@example.com', groups: ['demo'] });
    return { site: site.id, username: config.demo.username, password };
  } catch (error) {
    if (error instanceof UsernameTakenError) return { site: site.id, username: config.demo.username };
    throw error;
  }
}
