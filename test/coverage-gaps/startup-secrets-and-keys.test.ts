// What a fresh start makes by itself: the master secret beside an embedded
// database, the demo user, and the signing keys (and their rotation timeline).

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { resolveMasterSecret } from '../../src/config/master-secret.ts';
import type { Config } from '../../src/config/schema.ts';
import { buildConfigSchema, managedUsers } from '../../src/connectors.ts';
import { ensureDemoUser } from '../../src/demo-user.ts';
import { createSigningKeys, type StoredKey, viewAt } from '../../src/oidc/signing-keys.ts';
import { type Store, storeKey } from '../../src/store/port.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { TEST_SECRET } from '../support/admit-server.ts';

const parse = (raw: Record<string, unknown>) =>
  buildConfigSchema().parse({
    sites: [
      { id: 'DEMO', displayName: 'Demo', directory: { kind: 'local' } },
      {
        id: 'CORP',
        displayName: 'Corp',
        directory: { kind: 'entra', tenant: '6f1a7c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b', clientId: 'admit', clientSecret: 'corp-secret' },
      },
    ],
    logging: { level: 'silent' },
    ...raw,
  }) as Config;

describe('the master secret', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'admit-secret-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is the configured one when there is one', () => {
    assert.deepEqual(resolveMasterSecret(parse({ secret: TEST_SECRET, store: { url: 'redis://127.0.0.1:1' } })), { secret: TEST_SECRET, generated: false });
  });

  it('is required in production and with Redis', () => {
    assert.throws(
      () => resolveMasterSecret({ ...parse({ store: { url: `sqlite:${join(dir, 'p', 'admit.db')}` } }), environment: 'production' }),
      (error: unknown) => error instanceof ConfigError && /required in production/.test(error.message),
    );
    assert.throws(
      () => resolveMasterSecret(parse({ store: { url: 'redis://127.0.0.1:1' } })),
      (error: unknown) => error instanceof ConfigError && /required with a Redis store/.test(error.message),
    );
    assert.equal(existsSync(join(dir, 'p')), false);
  });

  it('is random and kept nowhere for an in-memory database', () => {
    const one = resolveMasterSecret(parse({ store: { url: 'sqlite::memory:' } }));
    const two = resolveMasterSecret(parse({ store: { url: 'sqlite::memory:' } }));
    assert.equal(one.generated, true);
    assert.notEqual(one.secret, two.secret);
  });

  it('is made once beside the database (owner-only), then read back on every later start', () => {
    const config = parse({ store: { url: `sqlite:${join(dir, 'nested', 'data', 'admit.db')}` } });
    const first = resolveMasterSecret(config);
    assert.equal(first.generated, true);
    assert.ok(first.secret.length >= 43);
    const file = join(dir, 'nested', 'data', 'admit.secret');
    assert.equal(readFileSync(file, 'utf8'), `${first.secret}\n`);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(resolveMasterSecret(config), { secret: first.secret, generated: false });
  });

  it('does not overwrite what is in the way of the file; an unreadable one fails the start', () => {
    // A directory where the secret file would be: neither read nor written over.
    mkdirSync(join(dir, 'blocked', 'admit.secret'), { recursive: true });
    assert.throws(() => resolveMasterSecret(parse({ store: { url: `sqlite:${join(dir, 'blocked', 'admit.db')}` } })), /EISDIR/);
    assert.ok(statSync(join(dir, 'blocked', 'admit.secret')).isDirectory());
  });

  it('trims the file a person wrote by hand', () => {
    mkdirSync(join(dir, 'hand'));
    writeFileSync(join(dir, 'hand', 'admit.secret'), '  hand-written-secret-0123456789-abcdefghij  \n\n');
    assert.deepEqual(resolveMasterSecret(parse({ store: { url: `sqlite:${join(dir, 'hand', 'admit.db')}` } })), {
      secret: 'hand-written-secret-0123456789-abcdefghij',
      generated: false,
    });
  });
});

describe('the demo user', () => {
  let store: Store;
  beforeAll(() => {
    store = createSqliteStore({ path: ':memory:' });
  });
  afterAll(() => store.close());

  it('is not made without a demo block', async () => {
    assert.equal(await ensureDemoUser(parse({}), store), undefined);
  });

  it('is made once with a password that signs in, and found (without a password) after', async () => {
    const config = parse({ demo: { site: 'DEMO', username: 'demo' } });
    const made = await ensureDemoUser(config, store);
    assert.equal(made?.site, 'DEMO');
    assert.equal(made?.username, 'demo');
    assert.match(made?.password ?? '', /^Demo-[A-Za-z0-9_-]{12}7a$/);
    const users = await managedUsers(store, config.sites[0]!);
    const found = await users?.find('demo');
    assert.equal(found?.email, 'demo@example.com');
    assert.deepEqual(found?.groups, ['demo']);
    assert.deepEqual(await ensureDemoUser(config, store), { site: 'DEMO', username: 'demo' });
  });

  it('refuses a demo site that does not exist or whose users admit does not manage', async () => {
    await assert.rejects(ensureDemoUser(parse({ demo: { site: 'NOPE', username: 'demo' } }), store), /demo\.site: NOPE is not a site with the local directory/);
    await assert.rejects(ensureDemoUser(parse({ demo: { site: 'CORP', username: 'demo' } }), store), /demo\.site: CORP is not a site with the local directory/);
  });

  it('passes on a refusal other than "taken" (a user name admit does not allow)', async () => {
    await assert.rejects(
      ensureDemoUser(parse({ demo: { site: 'DEMO', username: 'de\u0000mo' } }), store),
      (error: unknown) => (error as Error).name !== 'UsernameTakenError',
    );
  });
});

describe('signing keys', () => {
  const key = (kid: string, alg: string, timeline: Omit<StoredKey, 'jwk'>): StoredKey => ({ jwk: { kid, alg }, ...timeline });

  it("signs with each algorithm's newest active key, the later created one on a tie, and drops retired ones", () => {
    const now = 10_000;
    const view = viewAt(
      [
        key('rs-old', 'RS256', { createdAt: 1000 }),
        key('rs-new', 'RS256', { createdAt: 2000, activateAt: 5000, retireAt: 20_000 }),
        key('rs-staged', 'RS256', { createdAt: 9000, activateAt: 11_000 }),
        key('es-a', 'ES256', { createdAt: 1000, activateAt: 3000 }),
        key('es-b', 'ES256', { createdAt: 2000, activateAt: 3000 }),
        key('es-c', 'ES256', { createdAt: 3000, activateAt: 3000 }),
        key('es-retired', 'ES256', { createdAt: 500, retireAt: 10_000 }),
      ],
      now,
    );
    assert.deepEqual(view.signing, ['rs-new', 'es-c']);
    assert.deepEqual(view.published, ['rs-new', 'es-c', 'rs-old', 'rs-staged', 'es-a', 'es-b']);
    assert.deepEqual(
      view.keys.map((jwk) => jwk.kid),
      view.published,
    );
  });

  it("writes back the keys an instance still has when the store lost them, and reads a racing writer's keys", async () => {
    const store = createSqliteStore({ path: ':memory:' });
    try {
      const keys = createSigningKeys({ store, masterSecret: TEST_SECRET });
      const kept = [key('kept-rs', 'RS256', { createdAt: 1 })];
      assert.deepEqual(await keys.stored(kept), kept);
      assert.deepEqual(
        (await keys.load()).map((jwk) => jwk.kid),
        ['kept-rs'],
      );
      // Another instance's keys are there already: this one's are not written.
      assert.deepEqual(await createSigningKeys({ store, masterSecret: TEST_SECRET }).stored([key('other', 'RS256', { createdAt: 2 })]), kept);
      assert.equal(await keys.version(), '');
    } finally {
      await store.close();
    }
  });

  it('gives two instances starting together the same keys', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    try {
      const [a, b] = await Promise.all([
        createSigningKeys({ store, masterSecret: TEST_SECRET }).stored([key('a', 'RS256', { createdAt: 1 })]),
        createSigningKeys({ store, masterSecret: TEST_SECRET }).stored([key('b', 'RS256', { createdAt: 1 })]),
      ]);
      assert.deepEqual(a, b);
      assert.deepEqual(await createSigningKeys({ store, masterSecret: TEST_SECRET }).stored(), a);
    } finally {
      await store.close();
    }
  });

  it('rotates an empty store (nothing retiring), keeps an earlier retirement, and changes the version', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    try {
      const keys = createSigningKeys({ store, masterSecret: TEST_SECRET });
      const first = await keys.rotate({ propagationSeconds: 0, keepSeconds: 60 });
      assert.deepEqual(first.retiring, []);
      const v1 = await keys.version();
      assert.notEqual(v1, '');
      await new Promise((resolve) => setTimeout(resolve, 5));
      const second = await keys.rotate({ propagationSeconds: 0, keepSeconds: 3600 });
      assert.deepEqual(second.retiring.sort(), [...first.added].sort());
      assert.notEqual(await keys.version(), v1);
      await new Promise((resolve) => setTimeout(resolve, 5));
      // A third rotation leaves the second's retirement date on the first keys.
      const third = await keys.rotate({ propagationSeconds: 0, keepSeconds: 7200 });
      assert.deepEqual(third.retiring.sort(), [...second.added].sort());
      const stored = await keys.stored();
      const retireOf = (kid: string) => stored.find((candidate) => candidate.jwk.kid === kid)?.retireAt;
      assert.equal(retireOf(first.added[0]!), second.retireAt.getTime());
      assert.equal(retireOf(second.added[0]!), third.retireAt.getTime());
      assert.equal(await store.get(storeKey('signing-keys', 'active', 'rotating')), undefined);
    } finally {
      await store.close();
    }
  });
});
