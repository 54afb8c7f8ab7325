import { timingSafeEqual } from 'node:crypto';
import { canonicalUsername, type DirectoryIdentity, defineDirectoryPlugin, type PasswordConnector, UsernameTakenError } from '../../../src/kit/index.ts';
import { fakeSettingsSchema } from './settings.ts';

interface FakeUser {
  identity: DirectoryIdentity;
  password: string;
}

/**
 * A directory kind admit does not ship, written as a plugin would be: it
 * imports the kit only, declares its settings (settings.ts) and what it can
 * do, and is handed to the composition root (composeAdmit's `directories`).
 * A site names it with `directory: { kind: fake, idPrefix: … }`. Users live in memory
 * (plain passwords: a test's fake, nothing else); admit manages them, so
 * "User Registration" lets a registrant choose a user name and password here.
 */
export function createFakeDirectoryPlugin(kind = 'fake') {
  const sites = new Map<string, Map<string, FakeUser>>();
  const usersOf = (siteId: string) => sites.get(siteId) ?? sites.set(siteId, new Map()).get(siteId)!;
  const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

  const plugin = defineDirectoryPlugin({
    kind,
    settings: fakeSettingsSchema(kind),
    capabilities: { passwords: true, passwordChange: false, passwordReset: false, unlock: false, federated: false, managedUsers: true },
    async load() {
      return (site): PasswordConnector => {
        const users = usersOf(site.id);
        return {
          kind,
          async verifyPassword({ username, password }) {
            const user = users.get(canonicalUsername(username));
            return user && same(user.password, password) ? { status: 'ok', identity: user.identity } : { status: 'invalid' };
          },
          users: {
            async add(input) {
              const key = canonicalUsername(input.username);
              if (users.has(key)) throw new UsernameTakenError(`${input.username} is taken`);
              const identity = {
                externalId: `${site.directory.idPrefix}${users.size + 1}`,
                username: input.username,
                name: input.name,
                email: input.email,
                groups: input.groups ?? [],
              };
              users.set(key, { identity, password: input.password });
              return identity;
            },
            find: async (username) => users.get(canonicalUsername(username))?.identity,
          },
          health: async () => ({ ok: true }),
        };
      };
    },
  });
  return { plugin, usersOf };
}
