// The password service, the one path every page writes a password through,
// on the composed admit (SQLite): what each directory answer becomes, what
// is refused before any write, and what a write records for the account.

import assert from 'node:assert/strict';
import type { Context } from 'koa';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { managedUsers } from '../../src/connectors.ts';
import { defineDirectoryPlugin, type PasswordConnector, type PasswordWriteOutcome } from '../../src/kit/index.ts';
import { type Account, createAccountService } from '../../src/services/accounts.ts';
import { fakeSettingsSchema } from '../registration/fake-directory/settings.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';

/** A directory that writes passwords itself and answers each user name its own way; it has no administrative reset. */
const answers: Record<string, PasswordWriteOutcome> = {
  rex: { status: 'refused', reason: 'The directory wants a longer password.' },
  una: { status: 'unavailable' } as PasswordWriteOutcome,
  nob: { status: 'not_found' },
  wes: { status: 'invalid_old_password' },
};
const writing = defineDirectoryPlugin({
  kind: 'writing',
  settings: fakeSettingsSchema('writing'),
  capabilities: { passwords: true, passwordChange: true, passwordReset: false, unlock: false, federated: false, managedUsers: false },
  async load() {
    return (): PasswordConnector => ({
      kind: 'writing',
      verifyPassword: async () => ({ status: 'invalid' }),
      changePassword: async ({ username }) => answers[username] ?? { status: 'ok' },
      health: async () => ({ ok: true as const }),
    });
  },
});

const sites = [
  { id: 'DEMO', displayName: 'Demo site', directory: { kind: 'local' } },
  { id: 'NOHIST', displayName: 'No history', directory: { kind: 'local' }, passwordPolicy: { historyCount: 0 } },
  { id: 'WRITE', displayName: 'Writing directory', directory: { kind: 'writing', idPrefix: 'w-' } },
  {
    id: 'CORP',
    displayName: 'Corp',
    directory: { kind: 'entra', tenant: '6f1a7c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b', clientId: 'admit', clientSecret: 'corp-secret' },
  },
];
// No request: a write made outside one (the sessions of the account all end).
const noRequest = undefined as unknown as Context;
const NEW = 'Fresh#Garden2026';

describe('password writes', () => {
  let running: RunningAdmit;
  const accounts = () => createAccountService({ store: running.admit.store });

  beforeAll(async () => {
    running = await startAdmit({ config: { sites }, compose: { directories: [writing] } });
  });
  afterAll(async () => {
    await running?.stop();
  });

  async function localUser(siteId: string, username: string, extra: { email?: string; name?: string } = {}): Promise<Account> {
    const site = running.config.sites.find((candidate) => candidate.id === siteId)!;
    const user = await (await managedUsers(running.admit.store, site))!.add({ username, password: 'Prior#Tulip1999x', ...extra });
    const account = { ...(await accounts().linkOrCreate(siteId, 'local', user)), passwordChangeRequired: true };
    await accounts().save(account);
    return account;
  }

  const change = (
    siteId: string,
    username: string,
    fields: { accountId?: string; oldPassword?: string; newPassword?: string; confirmPassword?: string } = {},
  ) => running.admit.passwords.change(noRequest, { siteId, username, oldPassword: 'Prior#Tulip1999x', newPassword: NEW, confirmPassword: NEW, ...fields });

  it('refuses a write a directory cannot make, and a site that does not exist', async () => {
    assert.deepEqual(await change('CORP', 'carl'), { status: 'unsupported' });
    assert.deepEqual(await running.admit.passwords.reset(noRequest, { siteId: 'WRITE', username: 'wes', newPassword: NEW, confirmPassword: NEW }), {
      status: 'unsupported',
    });
    assert.deepEqual(await change('NOPE', 'x'), { status: 'unsupported' });
    assert.throws(() => running.admit.passwords.rulesFor('NOPE'), /no site NOPE/);
  });

  it("checks the confirmation and the site's policy before writing anything", async () => {
    const account = await localUser('DEMO', 'pia', { email: 'pia@example.com' });
    assert.deepEqual(await change('DEMO', 'pia', { accountId: account.id, confirmPassword: 'Other#Garden2026' }), { status: 'mismatch' });
    const policy = await change('DEMO', 'pia', { accountId: account.id, newPassword: 'short', confirmPassword: 'short' });
    assert.equal(policy.status, 'policy');
    assert.ok((policy as { failures: unknown[] }).failures.length > 0);
    assert.equal((await accounts().find(account.id))?.passwordChangeRequired, true, 'nothing recorded');
  });

  it('maps each directory answer: its refusal with its reason, unreachable, a wrong or unknown old password', async () => {
    assert.deepEqual(await change('WRITE', 'rex'), { status: 'refused', reason: 'The directory wants a longer password.' });
    assert.deepEqual(await change('WRITE', 'una'), { status: 'unavailable' });
    assert.deepEqual(await change('WRITE', 'wes'), { status: 'invalid_old_password' });
    assert.deepEqual(await change('WRITE', 'nob'), { status: 'invalid_old_password' }, 'an unknown user reads as a wrong old password');
    // No account known: the write is made, nothing is recorded.
    assert.deepEqual(await change('WRITE', 'ok-user'), { status: 'ok' });
  });

  it("a local user's wrong old password, and a reset of a user the directory does not have", async () => {
    const account = await localUser('DEMO', 'quin');
    assert.deepEqual(await change('DEMO', 'quin', { accountId: account.id, oldPassword: 'not-the-old-one' }), { status: 'invalid_old_password' });
    assert.deepEqual(await running.admit.passwords.reset(noRequest, { siteId: 'DEMO', username: 'ghost', newPassword: NEW, confirmPassword: NEW }), {
      status: 'invalid_old_password',
    });
  });

  it('records the change: history, the flag cleared, and an email to an account that has an address', async () => {
    const account = await localUser('DEMO', 'rosa', { email: 'rosa@example.com' });
    assert.deepEqual(await change('DEMO', 'rosa', { accountId: account.id }), { status: 'ok' });
    const stored = await accounts().find(account.id);
    assert.equal(stored?.passwordChangeRequired, false);
    assert.equal(stored?.passwordHistory?.length, 1);
    assert.ok(stored?.passwordChangedAt);
    // The new password is now history: the same one again is refused.
    const again = await change('DEMO', 'rosa', { accountId: account.id });
    assert.equal(again.status, 'policy');
    assert.deepEqual(
      (again as { failures: { id: string }[] }).failures.map((rule) => rule.id),
      ['history'],
    );
    const { messages } = await running.admit.outbox.list({ siteIds: 'all', limit: 100 });
    const mailed = messages
      .filter((message) => message.to === 'rosa@example.com')
      .map((message) => running.admit.outbox.open(message) as { template: string; data: { name: string } });
    assert.deepEqual(
      mailed.map((mail) => [mail.template, mail.data.name]),
      [['password-changed', 'rosa']],
    );
  });

  it('keeps no history where the site keeps none, and mails no one without an address', async () => {
    const account = await localUser('NOHIST', 'sam');
    assert.deepEqual(
      await running.admit.passwords.reset(noRequest, { siteId: 'NOHIST', username: 'sam', accountId: account.id, newPassword: NEW, confirmPassword: NEW }),
      { status: 'ok' },
    );
    const stored = await accounts().find(account.id);
    assert.deepEqual(stored?.passwordHistory, []);
    assert.equal(stored?.passwordChangeRequired, false);
    // An account that is gone by the time the write is recorded: nothing to record.
    await running.admit.passwords.recordChange('no-such-account', NEW);
  });
});
