import type { Context } from 'koa';
import { UsernameTakenError } from '../../kit/connector.ts';
import { usernameAllowed } from '../../kit/username.ts';
import type { Account } from '../../services/accounts.ts';
import { type ActionActor, type ActionDeps, auditAction } from './actor.ts';

export interface NewUser {
  siteId: string;
  username: string;
  password: string;
  email?: string;
  name?: string;
}

export type CreateUserOutcome =
  | { status: 'ok'; account: Account }
  | { status: 'not_found' }
  | { status: 'not_managed'; directory: string }
  | { status: 'username_not_allowed' }
  | { status: 'username_taken' };

/**
 * Adds a person to a site whose directory admit manages (the local
 * directory, as `admit user add` does) and makes their account, so they are
 * found at once. A site of another directory takes its users where it lives.
 */
export async function createDirectoryUser(deps: ActionDeps, ctx: Context | undefined, actor: ActionActor, input: NewUser): Promise<CreateUserOutcome> {
  const site = actor.sites.includes(input.siteId) ? deps.sites.get(input.siteId) : undefined;
  if (!site) return { status: 'not_found' };
  const audit = (outcome: string, extra: { username?: string; accountId?: string } = {}) =>
    auditAction(deps, ctx, actor, { action: 'admin.user.create', outcome, site: input.siteId, username: input.username.slice(0, 256), ...extra });
  const { users } = site.connector;
  if (!users) {
    audit('not_managed');
    return { status: 'not_managed', directory: site.config.directory.kind };
  }
  if (!usernameAllowed(input.username)) return { status: 'username_not_allowed' };
  try {
    const identity = await users.add({ username: input.username, password: input.password, email: input.email, name: input.name });
    const created = await deps.accounts.linkOrCreate(input.siteId, site.config.directory.kind, identity);
    // Made, not signed in: the account has no sign-in yet.
    const account: Account = { ...created, lastSignInAt: undefined };
    await deps.accounts.save(account);
    audit('ok', { username: account.username, accountId: account.id });
    return { status: 'ok', account };
  } catch (error) {
    if (!(error instanceof UsernameTakenError)) throw error;
    audit('username_taken');
    return { status: 'username_taken' };
  }
}
