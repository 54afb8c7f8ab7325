// The admit CLI's commands, run in this process (the CLI tests spawn bin/admit.js,
// which coverage does not see): each refusal names the option to fix and
// changes nothing; each success says what it did and is in the store.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { registeredClientsKey } from '../../src/admin/client-registry.ts';
import { adminAdd, adminList, adminRemove } from '../../src/cli/admin-role.ts';
import { clientAdd } from '../../src/cli/client-add.ts';
import { CliError, type CommandContext } from '../../src/cli/command.ts';
import { createCommandContext } from '../../src/cli/context.ts';
import { keysRotate, longestTokenSeconds } from '../../src/cli/keys-rotate.ts';
import { userAdd } from '../../src/cli/user-add.ts';
import type { Config } from '../../src/config/schema.ts';
import { buildConfigSchema } from '../../src/connectors.ts';
import { createSigningKeys } from '../../src/oidc/signing-keys.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { createOutbox } from '../../src/services/outbox/outbox.ts';
import { createSubscriptionStore } from '../../src/services/webhooks/subscription-store.ts';
import { createWebhookService } from '../../src/services/webhooks/webhook-service.ts';
import { createOidcAdapterFactory } from '../../src/store/oidc-adapter.ts';
import { type Store, storeKey } from '../../src/store/port.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { TEST_SECRET } from '../support/admit-server.ts';

const ENTRA = { kind: 'entra', tenant: '6f1a7c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b', clientId: 'admit', clientSecret: 'corp-secret' };

function configWith(extra: Record<string, unknown> = {}): Config {
  return buildConfigSchema().parse({
    secret: TEST_SECRET,
    store: { url: 'sqlite::memory:' },
    sites: [
      { id: 'DEMO', displayName: 'Demo', directory: { kind: 'local' } },
      { id: 'SHOP', displayName: 'Shop', directory: { kind: 'local' } },
      { id: 'CORP', displayName: 'Corp', directory: ENTRA },
    ],
    clients: [{ client_id: 'from-config', client_secret: 'a-config-secret-of-at-least-32-chars!!', redirect_uris: ['https://rp.example/cb'] }],
    logging: { level: 'silent' },
    ...extra,
  }) as Config;
}

async function refused(promise: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof CliError, `a CliError, got ${String(error)}`);
    assert.match(error.message, message);
    return true;
  });
}

describe('admit CLI commands, in process', () => {
  let dir: string;
  let store: Store;
  let context: CommandContext;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'admit-cli-inproc-'));
    store = createSqliteStore({ path: join(dir, 'admit.db') });
    context = createCommandContext(configWith(), store, TEST_SECRET);
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('user add', () => {
    it('adds a local user, then refuses the same name in another form', async () => {
      const added = await userAdd.run({ site: 'DEMO', username: '  alice ', password: 'Alice#Pass2026', email: 'alice@example.com', name: 'Alice' }, context);
      assert.equal(added, 'added user "alice" to site DEMO');
      await refused(userAdd.run({ site: 'DEMO', username: 'ALICE', password: 'Another#Pass1' }, context), /--username: "ALICE" already exists in site DEMO/);
    });

    it('refuses each bad option by name, and adds nobody', async () => {
      const cases: [Record<string, string>, RegExp][] = [
        [{ username: 'bob', password: 'Bob#Pass2026' }, /--site is required/],
        [{ site: 'DEMO', username: '   ', password: 'Bob#Pass2026' }, /--username is required/],
        [{ site: 'DEMO', username: 'bob' }, /--password is required/],
        [{ site: 'NOPE', username: 'bob', password: 'Bob#Pass2026' }, /--site: no site "NOPE"; the sites are DEMO, SHOP, CORP/],
        [{ site: 'CORP', username: 'bob', password: 'Bob#Pass2026' }, /--site: CORP uses the entra directory; add users there/],
        [{ site: 'DEMO', username: 'b'.repeat(257), password: 'Bob#Pass2026' }, /--username: at most 256 characters/],
        [{ site: 'DEMO', username: 'bob\u0000', password: 'Bob#Pass2026' }, /--username: /],
        [{ site: 'DEMO', username: 'bob', password: 'short' }, /--password: 8 to 1024 characters/],
        [{ site: 'DEMO', username: 'bob', password: 'x'.repeat(1025) }, /--password: 8 to 1024 characters/],
        [{ site: 'DEMO', username: 'bob', password: 'Bob#Pass2026', email: 'not-an-address' }, /--email: "not-an-address" is not an email address/],
      ];
      for (const [values, message] of cases) await refused(userAdd.run(values, context), message);
      assert.equal(await createAccountService({ store }).findByUsername('DEMO', 'bob'), undefined);
    });
  });

  describe('client add', () => {
    const adapter = () => new (createOidcAdapterFactory(store))('Client');

    it('registers a confidential client with a generated secret shown once, and lists it', async () => {
      const output = await clientAdd.run(
        {
          id: 'generated',
          'redirect-uri': 'https://rp.example/cb, https://rp.example/cb2',
          name: 'Generated',
          'first-party': true,
          pairwise: true,
          'id-token-alg': 'ES256',
        },
        context,
      );
      const secret = /client secret \(shown once\): (\S+)/.exec(output)?.[1];
      assert.ok(secret && secret.length >= 32, output);
      const stored = (await adapter().find('generated')) as Record<string, unknown>;
      assert.equal(stored.client_secret, secret);
      assert.deepEqual(stored.redirect_uris, ['https://rp.example/cb', 'https://rp.example/cb2']);
      assert.equal(stored.subject_type, 'pairwise');
      assert.equal(stored.id_token_signed_response_alg, 'ES256');
      assert.ok((await store.setMembers(registeredClientsKey)).includes('generated'));
    });

    it('registers a public client and a legacy one with its own secret, printing no secret', async () => {
      assert.equal(await clientAdd.run({ id: 'spa', 'redirect-uri': 'https://spa.example/cb', public: true }, context), 'registered client "spa"');
      assert.equal(((await adapter().find('spa')) as Record<string, unknown>).token_endpoint_auth_method, 'none');
      const legacy = await clientAdd.run(
        { id: 'legacy', 'redirect-uri': 'https://legacy.example/cb', secret: 'a-given-secret-of-at-least-32-characters', 'pkce-optional': true },
        context,
      );
      assert.equal(legacy, 'registered client "legacy"');
      assert.equal(((await adapter().find('legacy')) as Record<string, unknown>).pkce_required, false);
    });

    it('refuses contradictions, bad values, and ids already taken, and registers nothing', async () => {
      const cases: [Record<string, string | boolean>, RegExp][] = [
        [{ 'redirect-uri': 'https://rp.example/cb' }, /--id is required/],
        [{ id: 'x1' }, /--redirect-uri is required/],
        [
          { id: 'x1', 'redirect-uri': 'https://rp.example/cb', public: true, secret: 'a-given-secret-of-at-least-32-characters' },
          /--secret and --public exclude each other/,
        ],
        [{ id: 'x1', 'redirect-uri': 'https://rp.example/cb', public: true, 'pkce-optional': true }, /--pkce-optional: a public client always uses PKCE/],
        [{ id: 'x1', 'redirect-uri': 'https://rp.example/cb', secret: 'short' }, /^--secret: /],
        [{ id: 'x1', 'redirect-uri': 'not a uri' }, /^--redirect-uri: /],
        [{ id: 'x1', 'redirect-uri': 'https://rp.example/cb', 'id-token-alg': 'HS256' }, /^--id-token-alg: /],
        [{ id: 'x'.repeat(201), 'redirect-uri': 'https://rp.example/cb' }, /^--id: /],
        // An option without its own flag name is named by its field.
        [{ id: 'x1', 'redirect-uri': 'https://rp.example/cb', name: 'n'.repeat(201) }, /^client_name: /],
        [{ id: 'from-config', 'redirect-uri': 'https://rp.example/cb' }, /--id: "from-config" is already declared in the config file/],
        [{ id: 'spa', 'redirect-uri': 'https://rp.example/cb' }, /--id: a client "spa" is already registered/],
      ];
      for (const [values, message] of cases) await refused(clientAdd.run(values, context), message);
      assert.equal(await adapter().find('x1'), undefined);
      assert.equal(((await adapter().find('spa')) as Record<string, unknown>).token_endpoint_auth_method, 'none');
    });
  });

  describe('keys rotate', () => {
    it('counts the longest token, JWT access tokens of APIs included', () => {
      const config = configWith();
      assert.equal(longestTokenSeconds(config), Math.max(config.tokens.idTokenSeconds, config.tokens.accessTokenSeconds));
      const withApi = { ...config, apis: [{ ...(config.apis[0] ?? {}), accessTokenSeconds: 86_400 }, { ...(config.apis[0] ?? {}) }] } as Config;
      assert.equal(longestTokenSeconds(withApi), 86_400);
    });

    it('stages new keys, names the ones retiring, then refuses a second rotation while they are staged', async () => {
      const first = await keysRotate.run({}, context);
      // Nothing was stored before: no keys retire.
      assert.match(first, /^new signing keys: [0-9a-f-]{36}, [0-9a-f-]{36}$/m);
      assert.match(first, /stay published until .*: \(none\)/);
      assert.match(first, /no restart is needed/);
      await refused(keysRotate.run({}, context), /are staged and sign from/);
      const stored = await createSigningKeys({ store, masterSecret: TEST_SECRET }).stored();
      assert.equal(stored.length, 2);
    });

    it('names the keys signing until the switch once a rotation has taken effect', async () => {
      const own = createSqliteStore({ path: ':memory:' });
      try {
        const keys = createSigningKeys({ store: own, masterSecret: TEST_SECRET });
        const initial = (await keys.stored()).map((key) => String(key.jwk.kid));
        const output = await keysRotate.run({}, { ...context, store: own });
        assert.match(output, new RegExp(`: ${initial.join(', ')}$`, 'm'));
      } finally {
        await own.close();
      }
    });

    it('fails, without a CliError, when the master secret does not open the stored keys', async () => {
      await assert.rejects(
        keysRotate.run({}, { ...context, masterSecret: 'another-master-secret-0123456789-abcdef' }),
        (error: unknown) => !(error instanceof CliError),
      );
    });

    it('refuses while another rotation is being written', async () => {
      const own = createSqliteStore({ path: ':memory:' });
      try {
        await own.setIfAbsent(storeKey('signing-keys', 'active', 'rotating'), 'now', { ttlSeconds: 60 });
        const before = await own.get(storeKey('signing-keys', 'active'));
        await refused(keysRotate.run({}, { ...context, store: own }), /another rotation is being written right now/);
        assert.equal(await own.get(storeKey('signing-keys', 'active')), before);
      } finally {
        await own.close();
      }
    });
  });

  describe('admin add / remove / list', () => {
    it('lists no admins at first', async () => {
      assert.equal(await adminList.run({}, context), 'no admins yet (admit admin add)');
    });

    it('makes a local user who never signed in an admin of two sites, widening one at a time', async () => {
      await userAdd.run({ site: 'DEMO', username: 'dora', password: 'Dora#Pass2026' }, context);
      assert.equal(await createAccountService({ store }).findByUsername('DEMO', 'dora'), undefined);
      assert.equal(await adminAdd.run({ site: 'DEMO', username: 'dora' }, context), '"dora" (DEMO) is now an admin of DEMO');
      assert.equal(await adminAdd.run({ site: ' SHOP ,', username: 'dora', home: 'DEMO' }, context), '"dora" (DEMO) is now an admin of DEMO, SHOP');
      const account = await createAccountService({ store }).findByUsername('DEMO', 'dora');
      assert.deepEqual(account?.adminSites, ['DEMO', 'SHOP']);
      assert.match(await adminList.run({}, context), /^DEMO\tdora\tactive\tDEMO,SHOP\tsite admin of DEMO, SHOP$/);
    });

    it("is audited as the server audits: the new account's account.create and the grant, and a user.created webhook queued for the site", async () => {
      const outbox = createOutbox({ store, masterSecret: TEST_SECRET, settings: context.config.outbox });
      const webhooks = createWebhookService({
        store,
        subscriptions: createSubscriptionStore({ store, masterSecret: TEST_SECRET }),
        outbox,
        urlRule: { production: false, allowLoopback: true },
        audit: context.audit,
        siteIds: () => ['DEMO', 'SHOP'],
      });
      const created = await webhooks.create(
        undefined,
        { label: 'test', sites: ['DEMO'] },
        { site: 'DEMO', url: 'http://127.0.0.1:9/hook', events: ['user.created'] },
      );
      assert.ok('secret' in created, JSON.stringify(created));
      await userAdd.run({ site: 'DEMO', username: 'erin', password: 'Erin#Pass2026' }, context);
      await adminAdd.run({ site: 'DEMO', username: 'erin' }, context);
      const today = new Date().toISOString().slice(0, 10);
      const actions: string[] = [];
      for await (const event of context.audit.events({ scope: { allSites: true }, from: today, to: today }))
        if (event.username === 'erin') actions.push(`${event.action}:${event.outcome}`);
      assert.deepEqual(actions.sort(), ['account.create:ok', 'admin.role.grant:ok']);
      const queued = (await outbox.list({ siteIds: ['DEMO'], limit: 20 })).messages.filter((message) => message.channel === 'webhook');
      assert.deepEqual(
        queued.map((message) => message.kind),
        ['user.created'],
      );
      await adminRemove.run({ username: 'erin', home: 'DEMO' }, context);
    });

    it('keeps a global admin global when a site grant follows', async () => {
      assert.equal(await adminAdd.run({ site: '*', username: 'dora', home: 'DEMO' }, context), '"dora" (DEMO) is now an admin of every site');
      assert.match(await adminAdd.run({ site: 'SHOP', username: 'dora', home: 'DEMO' }, context), /admin of every site \(already a global admin/);
      assert.deepEqual((await createAccountService({ store }).findByUsername('DEMO', 'dora'))?.adminSites, ['*']);
    });

    it('removes the role and says what it was; removing again says nothing was', async () => {
      assert.equal(await adminRemove.run({ username: 'dora', home: 'DEMO' }, context), '"dora" (DEMO) is no longer an admin (was: *)');
      assert.equal(await adminRemove.run({ username: 'dora', home: 'DEMO' }, context), '"dora" (DEMO) is no longer an admin');
      assert.equal(await adminList.run({}, context), 'no admins yet (admit admin add)');
    });

    it('grants to an account of a directory admit does not manage once the person has signed in', async () => {
      const accounts = createAccountService({ store });
      await accounts.linkOrCreate('CORP', 'entra', { externalId: 'oid-carl', username: 'carl@corp.example', name: 'Carl', groups: [] });
      assert.equal(await adminAdd.run({ site: 'CORP', username: 'carl@corp.example' }, context), '"carl@corp.example" (CORP) is now an admin of CORP');
      await accounts.linkOrCreate('CORP', 'entra', { externalId: 'oid-fay', username: 'fay@corp.example', name: 'Fay', groups: [] });
      // Never an admin: nothing to name.
      assert.equal(await adminRemove.run({ username: 'fay@corp.example', home: 'CORP' }, context), '"fay@corp.example" (CORP) is no longer an admin');
    });

    it('refuses bad sites, homes and names, and grants nothing', async () => {
      const cases: [() => Promise<string>, RegExp][] = [
        [() => adminAdd.run({ username: 'dora' }, context), /--site is required/],
        [() => adminAdd.run({ site: ' , ', username: 'dora' }, context), /--site is required/],
        [() => adminAdd.run({ site: '*,DEMO', username: 'dora', home: 'DEMO' }, context), /\* \(every site\) stands alone/],
        [() => adminAdd.run({ site: 'DEMO,NOPE', username: 'dora' }, context), /--site: no site "NOPE"; the sites are DEMO, SHOP, CORP/],
        [() => adminAdd.run({ site: 'DEMO,SHOP', username: 'dora' }, context), /--home is required/],
        [() => adminAdd.run({ site: '*', username: 'dora' }, context), /--home is required/],
        [() => adminAdd.run({ site: 'DEMO', username: 'dora', home: 'NOPE' }, context), /--home: no site "NOPE"/],
        [() => adminAdd.run({ site: 'DEMO' }, context), /--username is required/],
        [() => adminAdd.run({ site: 'DEMO', username: 'do\u0000ra' }, context), /^--username: /],
        [() => adminAdd.run({ site: 'DEMO', username: 'nobody' }, context), /no account "nobody" in site DEMO; add the user first \(admit user add\)/],
        [
          () => adminAdd.run({ site: 'CORP', username: 'erin@corp.example' }, context),
          /no account "erin@corp.example" in site CORP; the person signs in once first/,
        ],
        [() => adminRemove.run({ username: 'dora' }, context), /--home is required/],
        [() => adminRemove.run({ home: 'DEMO' }, context), /--username is required/],
        [() => adminRemove.run({ username: 'nobody', home: 'DEMO' }, context), /no account "nobody" in site DEMO/],
      ];
      for (const [run, message] of cases) await refused(run(), message);
      assert.deepEqual((await createAccountService({ store }).findByUsername('DEMO', 'dora'))?.adminSites, []);
    });
  });
});
