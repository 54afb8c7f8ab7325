import { describeRole, roleOf } from '../admin/role-order.ts';
import type { Config } from '../config/schema.ts';
import { managedUsers } from '../connectors.ts';
import { messages } from '../errors/messages.ts';
import { usernameAllowed } from '../kit/username.ts';
import { type Account, createAccountService } from '../services/accounts.ts';
import { CliError, type Command, type CommandContext, optional, required } from './command.ts';

const siteList = (value: string, config: Config): string[] => {
  const sites = value
    .split(',')
    .map((site) => site.trim())
    .filter(Boolean);
  if (sites.includes('*')) {
    if (sites.length > 1) throw new CliError('--site: * (every site) stands alone');
    return ['*'];
  }
  for (const site of sites) {
    if (!config.sites.some((candidate) => candidate.id === site))
      throw new CliError(`--site: no site "${site}"; the sites are ${config.sites.map((s) => s.id).join(', ')}`);
  }
  if (sites.length === 0) throw new CliError('--site is required (see --help)');
  return sites;
};

/** The account of this user name in its home site; a user of a directory admit manages who never signed in gets one now. */
async function accountOf(context: CommandContext, home: string, username: string): Promise<Account> {
  const { store, config } = context;
  const site = config.sites.find((candidate) => candidate.id === home);
  if (!site) throw new CliError(`--home: no site "${home}"; the sites are ${config.sites.map((s) => s.id).join(', ')}`);
  if (!usernameAllowed(username)) throw new CliError(`--username: ${messages.username_not_allowed}`);
  const accounts = createAccountService({ store, audit: context.audit });
  // The canonical user-name key, as every sign-in finds the account.
  const found = await accounts.findByUsername(home, username);
  if (found) return found;
  const users = await managedUsers(store, site);
  const user = await users?.find(username);
  if (user)
    return accounts.linkOrCreate(home, site.directory.kind, {
      externalId: user.externalId,
      username: user.username,
      name: user.name,
      email: user.email,
      groups: user.groups,
    });
  throw new CliError(
    `--username: no account "${username}" in site ${home}; ${users ? 'add the user first (admit user add)' : 'the person signs in once first, or invite them with the site-admin role'}`,
  );
}

async function audit(context: CommandContext, account: Account, action: string, sites: string[]): Promise<void> {
  await context.audit.record(undefined, {
    action,
    outcome: 'ok',
    site: account.siteId,
    username: account.username,
    accountId: account.id,
    actor: 'cli',
    detail: { sites: sites.join(',') },
  });
}

const homeHelp = `  --home       the site the person signs in to (defaults to --site when that is one site)`;

export const adminAdd: Command = {
  summary: 'make a user an admin of sites (or of every site)',
  help: `Usage: admit admin add --site <SITE[,SITE…]|*> --username <name> [--home <SITE>]

Gives a user the admin console: of the named sites, or with --site '*' of
every site (a global admin, who also manages relying applications). The user
signs in to the console at /admin with their own sign-in (two-step
verification is required once MFA is set up).

Options:
  --site       the sites to administer, comma-separated, or * for every site
  --username   the user's name in their home site
${homeHelp}`,
  options: { site: { type: 'string' }, username: { type: 'string' }, home: { type: 'string' } },
  async run(values, context) {
    const sites = siteList(required(values, 'site'), context.config);
    const home = optional(values, 'home') ?? (sites.length === 1 && sites[0] !== '*' ? sites[0]! : required(values, 'home'));
    const account = await accountOf(context, home, required(values, 'username').trim());
    // A grant only widens a role (global admin > site admin > user); narrowing is "admin remove", then "admin add".
    const current = roleOf(account);
    const adminSites = sites.includes('*') || current.kind === 'global' ? ['*'] : [...new Set([...(current.kind === 'site' ? current.sites : []), ...sites])];
    const updated = { ...account, adminSites };
    await createAccountService({ store: context.store, audit: context.audit }).save(updated);
    await audit(context, updated, 'admin.role.grant', sites);
    const role = roleOf(updated);
    const scope = role.kind === 'site' ? role.sites.join(', ') : 'every site';
    const kept =
      current.kind === 'global' && !sites.includes('*')
        ? ' (already a global admin: to make them an admin of some sites only, use "admit admin remove" first)'
        : '';
    return `"${account.username}" (${home}) is now an admin of ${scope}${kept}`;
  },
};

export const adminRemove: Command = {
  summary: "take a user's admin role away",
  help: `Usage: admit admin remove --username <name> --home <SITE>

Removes every admin role of the user; their open console session ends at its next request.

Options:
  --username   the user's name in their home site
${homeHelp.replace(' (defaults to --site when that is one site)', '')}`,
  options: { username: { type: 'string' }, home: { type: 'string' } },
  async run(values, context) {
    const home = required(values, 'home');
    const account = await accountOf(context, home, required(values, 'username').trim());
    const removed = account.adminSites ?? [];
    await createAccountService({ store: context.store, audit: context.audit }).save({ ...account, adminSites: [] });
    await audit(context, account, 'admin.role.revoke', removed);
    return `"${account.username}" (${home}) is no longer an admin${removed.length ? ` (was: ${removed.join(', ')})` : ''}`;
  },
};

export const adminList: Command = {
  summary: 'list the admins',
  help: 'Usage: admit admin list\n\nLists every account with an admin role: home site, user name, status, the sites administered, and the role.',
  options: {},
  async run(_values, context) {
    const admins = await createAccountService({ store: context.store, audit: context.audit }).listAdmins();
    if (admins.length === 0) return 'no admins yet (admit admin add)';
    return admins
      .map((admin) => `${admin.siteId}\t${admin.username}\t${admin.status}\t${(admin.adminSites ?? []).join(',')}\t${describeRole(roleOf(admin))}`)
      .join('\n');
  },
};
