import { managedUsers } from '../connectors.ts';
import { messages } from '../errors/messages.ts';
import { UsernameTakenError } from '../kit/connector.ts';
import { usernameAllowed } from '../kit/username.ts';
import { CliError, type Command, optional, required } from './command.ts';

export const userAdd: Command = {
  summary: "add a user to a site's local directory",
  help: `Usage: admit user add --site <SITE> --username <name> --password <pw> [--email <e>] [--name <n>]

Adds a user to a site's directory when admit manages its users (the local
directory, directory.kind "local").

Options:
  --site       the site id as in "Log on to" (e.g. DEMO)
  --username   the user name to sign in with (unique in the site: case, width and
               compatibility forms do not count, so ｂob is bob)
  --password   the initial password (8 to 1024 characters)
  --email      the user's email address
  --name       the user's display name`,
  options: { site: { type: 'string' }, username: { type: 'string' }, password: { type: 'string' }, email: { type: 'string' }, name: { type: 'string' } },
  async run(values, { config, store }) {
    const siteId = required(values, 'site');
    const username = required(values, 'username').trim();
    const password = required(values, 'password');
    const email = optional(values, 'email');
    const site = config.sites.find((candidate) => candidate.id === siteId);
    if (!site) throw new CliError(`--site: no site "${siteId}"; the sites are ${config.sites.map((s) => s.id).join(', ')}`);
    // Only a directory admit manages takes users from admit; any other is added to where it lives.
    const users = await managedUsers(store, site);
    if (!users) throw new CliError(`--site: ${siteId} uses the ${site.directory.kind} directory; add users there`);
    if (username.length > 256) throw new CliError('--username: at most 256 characters');
    if (!usernameAllowed(username)) throw new CliError(`--username: ${messages.username_not_allowed}`);
    if (password.length < 8 || password.length > 1024) throw new CliError('--password: 8 to 1024 characters');
    if (email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw new CliError(`--email: "${email}" is not an email address`);
    try {
      const user = await users.add({ username, password, email, name: optional(values, 'name') });
      return `added user "${user.username}" to site ${siteId}`;
    } catch (error) {
      if (error instanceof UsernameTakenError) throw new CliError(`--username: "${username}" already exists in site ${siteId}`);
      throw error;
    }
  },
};
