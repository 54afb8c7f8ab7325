import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { storeKey } from '../store/port.ts';
import { createSqliteStore } from '../store/sqlite/sqlite-store.ts';
import { createAccountService } from './accounts.ts';

describe('the account index: found by the canonical user-name key', () => {
  const store = createSqliteStore({ path: ':memory:' });
  const accounts = createAccountService({ store });
  const identity = (username: string, externalId: string) => ({ externalId, username, emailVerified: false, groups: [] });

  it('finds an account under every spelling of its user name, and only in its site', async () => {
    const bob = await accounts.linkOrCreate('DEMO', 'ldap', identity('Bob', 'bob-uuid'));
    for (const spelling of ['bob', 'ｂob', 'ＢＯＢ', ' bob ']) assert.equal((await accounts.findByUsername('DEMO', spelling))?.id, bob.id, spelling);
    assert.equal(await accounts.findByUsername('OTHER', 'bob'), undefined);
    assert.equal(await accounts.findByUsername('DEMO', 'bob\u202e'), undefined, 'a refused name is nobody');
  });

  it('still finds an account indexed under the old key (NFKC + lower case, untrimmed) and moves the entry', async () => {
    const created = await accounts.linkOrCreate('DEMO', 'ldap', identity('carol', 'carol-uuid'));
    // As an earlier admit indexed " Carol" (stored with a leading space): the old key kept the space.
    const old = { ...created, username: ' Carol' };
    await store.set(storeKey('account', created.id), JSON.stringify(old));
    await store.delete(storeKey('account-name', 'DEMO:carol'));
    await store.set(storeKey('account-name', 'DEMO: carol'), created.id);
    assert.equal((await accounts.findByUsername('DEMO', ' Carol'))?.id, created.id, 'found through the old key');
    assert.equal(await store.get(storeKey('account-name', 'DEMO:carol')), created.id, 'and indexed under the canonical key');
    assert.equal((await accounts.findByUsername('DEMO', 'ＣＡＲＯＬ'))?.id, created.id);
  });
});
