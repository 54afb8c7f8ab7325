import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createStore } from '../store/create-store.ts';
import { type Store, storeKey } from '../store/port.ts';
import { startLiveSigningKeys } from './live-signing-keys.ts';
import { createSigningKeys, KeyRotationError, type StoredKey, viewAt } from './signing-keys.ts';

const key = (kid: string, alg: string, timeline: Omit<StoredKey, 'jwk'>): StoredKey => ({
  jwk: { kid, alg, kty: alg === 'RS256' ? 'RSA' : 'EC' },
  ...timeline,
});

describe('signing key timeline', () => {
  it('reads key sets written before staged rotation: the newest key signs, a retiring one is published until its time', () => {
    const stored = [key('new', 'RS256', { createdAt: 2000 }), key('old', 'RS256', { createdAt: 1000, retireAt: 9000 })];
    assert.deepEqual(viewAt(stored, 5000), { keys: [stored[0]!.jwk, stored[1]!.jwk], signing: ['new'], published: ['new', 'old'] });
    assert.deepEqual(viewAt(stored, 9000).published, ['new']);
  });

  it("publishes a staged key from the start, puts each algorithm's active key first, and switches at activateAt", () => {
    const stored = [
      key('rs-new', 'RS256', { createdAt: 2000, activateAt: 6000 }),
      key('es-new', 'ES256', { createdAt: 2000, activateAt: 6000 }),
      key('rs-old', 'RS256', { createdAt: 1000, retireAt: 9000 }),
      key('es-old', 'ES256', { createdAt: 1000, retireAt: 9000 }),
    ];
    const during = viewAt(stored, 5999);
    assert.deepEqual(during.signing, ['rs-old', 'es-old']);
    assert.deepEqual(during.published, ['rs-old', 'es-old', 'rs-new', 'es-new'], 'oidc-provider signs with the first key of an algorithm');
    assert.deepEqual(viewAt(stored, 6000).signing, ['rs-new', 'es-new']);
    assert.deepEqual(viewAt(stored, 9000).published, ['rs-new', 'es-new']);
  });
});

describe('admit keys rotate (the store side)', () => {
  let dir: string;
  let store: Store;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'admit-keys-'));
    store = await createStore(`sqlite:${join(dir, 'admit.db')}`, { keyPrefix: 'admit:', commandTimeoutMs: 2000, connectTimeoutMs: 2000 });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("stages new keys, sets the old ones' retirement, changes the version, and refuses a second rotation until the switch", async () => {
    const keys = createSigningKeys({ store, masterSecret: 'k'.repeat(40) });
    const first = await keys.load();
    const versionBefore = await keys.version();
    const started = Date.now();
    const rotated = await keys.rotate({ propagationSeconds: 600, keepSeconds: 4200 });
    assert.notEqual(await keys.version(), versionBefore);
    assert.ok(rotated.activateAt.getTime() >= started + 600_000);
    assert.equal(rotated.retireAt.getTime() - rotated.activateAt.getTime(), 4_200_000);
    assert.deepEqual(
      rotated.retiring,
      first.map((jwk) => jwk.kid),
    );
    const view = viewAt(await keys.stored(), Date.now());
    assert.deepEqual(
      view.signing,
      first.map((jwk) => String(jwk.kid)),
      'the old keys sign until the switch',
    );
    assert.deepEqual(view.published, [...first.map((jwk) => String(jwk.kid)), ...rotated.added]);
    await assert.rejects(keys.rotate({ propagationSeconds: 600, keepSeconds: 4200 }), KeyRotationError);
    assert.deepEqual(viewAt(await keys.stored(), rotated.activateAt.getTime()).signing, rotated.added);
  });
});

describe("a running instance's signing keys (live-signing-keys.ts)", () => {
  it('writes its keys back when the store lost them (a flushed Redis), instead of making new ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'admit-keys-'));
    const store = await createStore(`sqlite:${join(dir, 'admit.db')}`, { keyPrefix: 'admit:', commandTimeoutMs: 2000, connectTimeoutMs: 2000 });
    const live = await startLiveSigningKeys({ store, masterSecret: 'k'.repeat(40), pollSeconds: 60, jwksMaxAgeSeconds: 60, logger: pino({ level: 'silent' }) });
    try {
      const keys = createSigningKeys({ store, masterSecret: 'k'.repeat(40) });
      await keys.rotate({ propagationSeconds: 600, keepSeconds: 4200 });
      await live.refresh();
      const before = live.view();
      assert.equal(before.published.length, 4, 'the rotation was picked up');
      assert.equal(live.generation(), 1);
      await store.delete(storeKey('signing-keys', 'active'), storeKey('signing-keys', 'active', 'version'));
      await live.refresh();
      assert.deepEqual(live.view(), before, 'the same keys');
      assert.deepEqual(viewAt(await keys.stored(), Date.now()).published, before.published, 'written back to the store');
      assert.equal(
        live.publicJwks().keys.every((jwk) => !('d' in jwk)),
        true,
        'the published set has no private members',
      );
    } finally {
      live.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
