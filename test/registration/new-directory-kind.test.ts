import { describe, it, beforeAll, afterAll } from 'vitest';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { configSchema, type Config } from '../../src/config/schema.ts';
import { composeAdmit } from '../../src/compose.ts';
import { serve } from '../../src/serve.ts';
import { createSiteDirectory } from '../../src/services/sites.ts';
import { siteSchema } from '../../src/config/sites.ts';
import { freePort } from '../support/free-port.ts';
import { TEST_SECRET, type RunningAdmit } from '../support/admit-server.ts';
import { FormBrowser } from '../support/form-browser.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { rpClient, sendDetails, signInAtRp, verifyEmail } from './support.ts';
import { createFakeDirectoryPlugin } from './fake-directory/plugin.ts';

/**
 * admit with a site on the fake directory: the plugin goes in through the
 * composition root's `directories`, and no file of admit is edited for it.
 * (The config schema lists the shipped kinds, so the site is parsed as a
 * local one and given the fake kind afterwards.)
 */
async function startWithFakeDirectory(fake: ReturnType<typeof createFakeDirectoryPlugin>, smtpUrl: string): Promise<RunningAdmit> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'admit-fake-directory-'));
  const parsed = configSchema.parse({
    server: { port, issuer, allowLoopbackRequests: true },
    store: { url: `sqlite:${join(dataDir, 'admit.db')}` },
    secret: TEST_SECRET,
    sites: [{ id: 'FAKE', displayName: 'Fake directory site', directory: { kind: 'local' }, mfa: { required: false }, signIn: { changePasswordAtFirstSignIn: false }, signUp: { mode: 'approval' } }],
    clients: [rpClient],
    mail: { transport: smtpUrl },
    logging: { level: 'silent' },
  });
  const config = { ...parsed, sites: parsed.sites.map((site) => ({ ...site, directory: { kind: fake.plugin.kind } })) } as Config;
  const logger = pino({ level: 'silent' });
  const admit = await composeAdmit(config, logger, { directories: [fake.plugin] });
  const server = await serve(admit, config, logger, port);
  return {
    issuer, port, config, admit,
    async stop() {
      await server.shutdown(1000);
      await admit.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
    restart: () => Promise.reject(new Error('not needed here')),
  };
}

describe('a new directory kind is one plugin folder and one line in the composition root', () => {
  const fake = createFakeDirectoryPlugin();
  let running: RunningAdmit;
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    running = await startWithFakeDirectory(fake, smtp.url);
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
      name: 'Fay Fake', organisation: 'Acme', reason: 'Testing a new directory', username: 'fay', password: 'Fay#Directory2026', confirmPassword: 'Fay#Directory2026',
    });
    assert.equal(url.pathname, '/register/status');
    assert.equal(fake.usersOf('FAKE').get('fay')?.identity.email, 'fay@example.com');

    const waiting = await signInAtRp(running, new FormBrowser(), { username: 'fay', password: 'Fay#Directory2026', site: 'FAKE' });
    assert.equal(waiting.status, 403);
    const [request] = await running.admit.approval.requests.list(['FAKE']);
    assert.equal((await running.admit.approval.requests.approve(request!.id, 'test-admin')).status, 'ok');

    const wrong = await signInAtRp(running, new FormBrowser(), { username: 'fay', password: 'not-her-password', site: 'FAKE' });
    assert.equal(wrong.url.searchParams.get('code'), null);
    const signIn = await signInAtRp(running, new FormBrowser(), { username: 'fay', password: 'Fay#Directory2026', site: 'FAKE' });
    assert.ok(signIn.url.searchParams.get('code'), signIn.html.slice(0, 300));
  });

  it('a name taken in the directory is refused on the details page, as for admit\'s own directory', async () => {
    const browser = new FormBrowser();
    const page = await verifyEmail(running, smtp, browser, 'FAKE', 'fay.again@example.com');
    const { response } = await sendDetails(running, browser, page, {
      name: 'Fay Again', organisation: 'Acme', reason: 'A second try', username: 'FAY', password: 'Fay#Directory2026', confirmPassword: 'Fay#Directory2026',
    });
    assert.equal(response.status, 409);
    assert.match(await response.text(), /This user name is taken/);
  });

  it('a connector that lacks what its plugin declares stops start-up', () => {
    const site = siteSchema.parse({ id: 'FAKE', displayName: 'Fake', directory: { kind: 'local' } });
    const connector = { kind: 'fake', verifyPassword: async () => ({ status: 'invalid' as const }), health: async () => ({ ok: true as const }) };
    assert.throws(
      () => createSiteDirectory([site], { local: { capabilities: { ...fake.plugin.capabilities }, create: () => connector } }),
      /does not match its declared capabilities \(managedUsers\)/,
    );
  });
});
