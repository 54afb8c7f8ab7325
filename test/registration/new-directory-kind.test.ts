import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { buildConfigSchema, buildSiteSchema, configSchema } from '../../src/connectors.ts';
import { createSiteDirectory } from '../../src/services/sites.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser } from '../support/form-browser.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { createFakeDirectoryPlugin } from './fake-directory/plugin.ts';
import { rpClient, sendDetails, signInAtRp, verifyEmail } from './support.ts';

/**
 * A site on the fake directory, written as an operator would: its kind and
 * the settings the fake plugin declares (fake-directory/settings.ts). admit's
 * config knows neither; they are validated by the plugin's own schema.
 */
const fakeSite = (directory: Record<string, unknown>) => ({
  id: 'FAKE',
  displayName: 'Fake directory site',
  directory,
  mfa: { required: false },
  signIn: { changePasswordAtFirstSignIn: false },
  signUp: { mode: 'approval' },
});

describe('a new directory kind is one plugin folder and one line in the composition root', () => {
  const fake = createFakeDirectoryPlugin();
  let running: RunningAdmit;
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    // The plugin goes in through the composition root's `directories` (and so into the config schema); no file of admit is edited for it.
    running = await startAdmit({
      config: { sites: [fakeSite({ kind: 'fake', idPrefix: 'fk-' })], clients: [rpClient], mail: { transport: smtp.url } },
      compose: { directories: [fake.plugin] },
    });
  });
  afterAll(async () => {
    await running?.stop();
    await smtp?.stop();
  });

  it('registers into the directory (it manages its users: the registrant chooses the password), then signs in through it once approved', async () => {
    const browser = new FormBrowser();
    const page = await verifyEmail(running, smtp, browser, 'FAKE', 'fay@example.com');
    // managedUsers: the details page asks for a user name and password to choose, with the site's rules.
    assert.match(page, /name="confirmPassword"/);
    const { url } = await sendDetails(running, browser, page, {
      name: 'Fay Fake',
      organisation: 'Acme',
      reason: 'Testing a new directory',
      username: 'fay',
      password: 'Fay#Directory2026',
      confirmPassword: 'Fay#Directory2026',
    });
    assert.equal(url.pathname, '/register/status');
    assert.equal(fake.usersOf('FAKE').get('fay')?.identity.email, 'fay@example.com');
    // The connector read its own setting from the site's block.
    assert.match(fake.usersOf('FAKE').get('fay')?.identity.externalId ?? '', /^fk-\d+$/);

    const waiting = await signInAtRp(running, new FormBrowser(), { username: 'fay', password: 'Fay#Directory2026', site: 'FAKE' });
    assert.equal(waiting.status, 403);
    const [request] = (await running.admit.approval.requests.list(['FAKE'])).items;
    assert.equal((await running.admit.approval.requests.approve(request!.id, 'test-admin')).status, 'ok');

    const wrong = await signInAtRp(running, new FormBrowser(), { username: 'fay', password: 'not-her-password', site: 'FAKE' });
    assert.equal(wrong.url.searchParams.get('code'), null);
    const signIn = await signInAtRp(running, new FormBrowser(), { username: 'fay', password: 'Fay#Directory2026', site: 'FAKE' });
    assert.ok(signIn.url.searchParams.get('code'), signIn.html.slice(0, 300));
  });

  it("a name taken in the directory is refused on the details page, as for admit's own directory", async () => {
    const browser = new FormBrowser();
    const page = await verifyEmail(running, smtp, browser, 'FAKE', 'fay.again@example.com');
    const { response } = await sendDetails(running, browser, page, {
      name: 'Fay Again',
      organisation: 'Acme',
      reason: 'A second try',
      username: 'FAY',
      password: 'Fay#Directory2026',
      confirmPassword: 'Fay#Directory2026',
    });
    assert.equal(response.status, 409);
    assert.match(await response.text(), /This user name is taken/);
  });

  it("the config validates the block with the plugin's own schema, and without the plugin names the kinds it has", () => {
    const bad = buildConfigSchema([fake.plugin]).safeParse({ sites: [fakeSite({ kind: 'fake', idPrefix: 'FK' })] });
    assert.deepEqual(
      bad.error?.issues.map((issue) => [issue.path.join('.'), issue.message]),
      [['sites.0.directory.idPrefix', 'use lower-case letters and a closing -, e.g. fake-']],
    );
    const unknownKey = buildConfigSchema([fake.plugin]).safeParse({ sites: [fakeSite({ kind: 'fake', idPrefix: 'fk-', rehashOnSignIn: false })] });
    assert.deepEqual(
      unknownKey.error?.issues.map((issue) => issue.path.join('.')),
      ['sites.0.directory'],
    );
    assert.match(unknownKey.error?.issues[0]?.message ?? '', /rehashOnSignIn/);

    const without = configSchema.safeParse({ sites: [fakeSite({ kind: 'fake', idPrefix: 'fk-' })] });
    assert.deepEqual(
      without.error?.issues.map((issue) => [issue.path.join('.'), issue.message]),
      [['sites.0.directory.kind', 'no "fake" directory in this build of admit; use one of "local", "ldap", "entra"']],
    );
    // A test's plugin of a shipped kind's name comes first (as in connectors.ts' directoryPlugin).
    const shadow = createFakeDirectoryPlugin('local');
    assert.equal(buildConfigSchema([shadow.plugin]).safeParse({ sites: [fakeSite({ kind: 'local', idPrefix: 'fk-' })] }).success, true);
  });

  it('a connector that lacks what its plugin declares stops start-up', () => {
    const site = buildSiteSchema([fake.plugin]).parse({ id: 'FAKE', displayName: 'Fake', directory: { kind: 'fake', idPrefix: 'fk-' } });
    const connector = { kind: 'fake', verifyPassword: async () => ({ status: 'invalid' as const }), health: async () => ({ ok: true as const }) };
    assert.throws(
      () => createSiteDirectory([site], { fake: { capabilities: { ...fake.plugin.capabilities }, create: () => connector } }),
      /does not match its declared capabilities \(managedUsers\)/,
    );
  });
});
