// What the sign-in does with each answer a directory can give besides right
// and wrong (locked, disabled, unreachable, password expired — with or
// without saying who it is), in process, through a directory plugin that
// keeps its own users.

import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { canonicalUsername, defineDirectoryPlugin, type PasswordConnector, type PasswordOutcome } from '../../src/kit/index.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { fakeSettingsSchema } from '../registration/fake-directory/settings.ts';
import { RP_CALLBACK, rpClient, signInAtRp } from '../registration/support.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, formAction, inputValue } from '../support/form-browser.ts';

interface MoodyUser {
  password: string;
  answer?: 'locked' | 'disabled' | 'unavailable' | 'expired' | 'expired-anonymous';
}
const users = new Map<string, MoodyUser>([
  ['lou', { password: 'Lou#Meadow4821', answer: 'locked' }],
  ['dix', { password: 'Dix#Meadow4821', answer: 'disabled' }],
  ['una', { password: 'Una#Meadow4821', answer: 'unavailable' }],
  ['eve', { password: 'Eve#Meadow4821', answer: 'expired' }],
  ['ana', { password: 'Ana#Meadow4821', answer: 'expired-anonymous' }],
]);
const identityOf = (username: string) => ({ externalId: `moody-${username}`, username, groups: [] });

const moody = defineDirectoryPlugin({
  kind: 'moody',
  settings: fakeSettingsSchema('moody'),
  capabilities: { passwords: true, passwordChange: true, passwordReset: false, unlock: false, federated: false, managedUsers: false },
  async load() {
    return (): PasswordConnector => ({
      kind: 'moody',
      async verifyPassword({ username, password }): Promise<PasswordOutcome> {
        const key = canonicalUsername(username);
        const user = users.get(key);
        if (user?.answer === 'unavailable') return { status: 'unavailable', reason: 'down for the test' };
        if (!user || user.password !== password) return { status: 'invalid' };
        if (user.answer === 'locked' || user.answer === 'disabled') return { status: user.answer };
        if (user.answer === 'expired') return { status: 'password_expired', identity: identityOf(key) };
        if (user.answer === 'expired-anonymous') return { status: 'password_expired' };
        return { status: 'ok', identity: identityOf(key) };
      },
      async changePassword({ username, oldPassword, newPassword }) {
        const user = users.get(canonicalUsername(username));
        if (!user || user.password !== oldPassword) return { status: 'invalid_old_password' };
        users.set(canonicalUsername(username), { password: newPassword });
        return { status: 'ok' };
      },
      health: async () => ({ ok: true as const }),
    });
  },
});

describe('directory answers at sign-in', () => {
  let running: RunningAdmit;

  beforeAll(async () => {
    running = await startAdmit({
      config: {
        sites: [
          { id: 'MOODY', displayName: 'Moody directory', directory: { kind: 'moody', idPrefix: 'moody-' }, signIn: { changePasswordAtFirstSignIn: false } },
        ],
        clients: [rpClient],
      },
      compose: { directories: [moody] },
    });
  });
  afterAll(async () => {
    await running?.stop();
  });

  const cases = [
    ['lou', 423, /This account is locked/],
    ['dix', 403, /This account is disabled/],
    ['una', 503, /cannot be reached right now/],
  ] as const;
  for (const [username, status, message] of cases) {
    it(`answers ${username}'s directory saying "${String(message).slice(1, 24)}…" with ${status}, the user name kept`, async () => {
      const signIn = await signInAtRp(running, new FormBrowser(), { username, password: users.get(username)!.password, site: 'MOODY' });
      assert.equal(signIn.status, status);
      assert.match(signIn.html, message);
      assert.equal(inputValue(signIn.html, 'username'), username);
    });
  }

  it('an outage is not counted as a failed attempt: many sign-ins during it, then the limit is still whole', async () => {
    for (let i = 0; i < 8; i += 1) assert.equal((await signInAtRp(running, new FormBrowser(), { username: 'una', password: 'x', site: 'MOODY' })).status, 503);
    users.set('una', { password: 'Una#Meadow4821' });
    const signIn = await signInAtRp(running, new FormBrowser(), { username: 'una', password: 'Una#Meadow4821', site: 'MOODY' });
    assert.ok(signIn.url.searchParams.get('code'), signIn.html.slice(0, 300));
  });

  it('an expired password, the person known: Change Password, then the sign-in finishes', async () => {
    const browser = new FormBrowser();
    const signIn = await signInAtRp(running, browser, { username: 'eve', password: 'Eve#Meadow4821', site: 'MOODY' });
    assert.match(signIn.url.pathname, /\/password$/);
    const { url } = await browser.follow(new URL(formAction(signIn.html, '/password'), running.issuer), (location) => location.href.startsWith(RP_CALLBACK), {
      form: { _csrf: inputValue(signIn.html, '_csrf'), oldPassword: 'Eve#Meadow4821', newPassword: 'Brisk#Harbor7305', confirmPassword: 'Brisk#Harbor7305' },
    });
    assert.ok(url.searchParams.get('code'), url.href);
    assert.equal(users.get('eve')?.password, 'Brisk#Harbor7305');
  });

  it('an expired password, the person unknown until it is changed: the directory is asked again with the new one, and the change recorded', async () => {
    const browser = new FormBrowser();
    const signIn = await signInAtRp(running, browser, { username: 'ana', password: 'Ana#Meadow4821', site: 'MOODY' });
    assert.match(signIn.url.pathname, /\/password$/);
    const { url } = await browser.follow(new URL(formAction(signIn.html, '/password'), running.issuer), (location) => location.href.startsWith(RP_CALLBACK), {
      form: { _csrf: inputValue(signIn.html, '_csrf'), oldPassword: 'Ana#Meadow4821', newPassword: 'Brisk#Harbor7306', confirmPassword: 'Brisk#Harbor7306' },
    });
    assert.ok(url.searchParams.get('code'), url.href);
    const account = await createAccountService({ store: running.admit.store }).findLinked('MOODY', 'moody', 'moody-ana');
    assert.ok(account?.passwordChangedAt, 'the change is recorded on the account found after it');
    assert.equal(account?.passwordHistory?.length, 1);
  });
});
