import assert from 'node:assert/strict';
import type { Provider } from 'oidc-provider';
import { describe, it } from 'vitest';
import { createOidcAdapterFactory } from '../store/oidc-adapter.ts';
import type { Store } from '../store/port.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { createSessionService } from './sessions.ts';

/** A store that notes the largest set it was asked to read whole, and the largest page it scanned. */
function watched(store: Store) {
  const seen = { wholeSet: 0, page: 0 };
  const wrapped: Store = {
    ...store,
    setMembers: async (key) => {
      const members = await store.setMembers(key);
      seen.wholeSet = Math.max(seen.wholeSet, members.length);
      return members;
    },
    setScan: async (key, options) => {
      const page = await store.setScan(key, options);
      seen.page = Math.max(seen.page, page.members.length);
      return page;
    },
  };
  return { store: wrapped, seen };
}

describe('session service: an account with many sessions', () => {
  it('lists at most 50, signs one out by its id, ends every one everywhere, reading the index a page at a time', async () => {
    const base = createSqliteStore({ path: ':memory:' });
    const { store, seen } = watched(base);
    const Sessions = new (createOidcAdapterFactory(base))('Session');
    const now = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 130; i += 1) await Sessions.upsert(`s-${i}`, { accountId: 'many', loginTs: now - i, jti: `s-${i}` } as never, 3600);
    await Sessions.upsert('s-other', { accountId: 'someone-else', loginTs: now, jti: 's-other' } as never, 3600);
    // No session here authorized an application, so the provider is never asked about a client.
    const sessions = createSessionService({ store, provider: {} as Provider });

    const listed = await sessions.list('many');
    assert.equal(listed.length, 50);
    assert.ok(
      listed.every((session, index) => index === 0 || listed[index - 1]!.signedInAt >= session.signedInAt),
      'newest first',
    );
    assert.equal(await sessions.signOut('many', 's-other'), false, "another account's session is not this account's to end");
    assert.equal(await sessions.signOut('many', 's-7'), true);
    assert.equal(await Sessions.find('s-7'), undefined);
    assert.equal(await sessions.signOutEverywhere('many'), 129);
    assert.equal((await sessions.list('many')).length, 0);
    assert.ok(await Sessions.find('s-other'), "the other account's session stays");
    assert.equal(seen.wholeSet, 0, 'no session or grant index is read whole');
    assert.ok(seen.page <= 100, `pages of at most 100 ids (${seen.page})`);
    await base.close();
  });
});
