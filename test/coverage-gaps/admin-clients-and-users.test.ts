// Relying applications (the registry on SQLite, and the console's pages) and
// the console's user actions, in process: what a global and a site admin may
// do, each refusal, and what is stored after.

import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createClientRegistry, registeredClientsKey } from '../../src/admin/client-registry.ts';
import { clientSchema } from '../../src/config/clients.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { consoleSignIn, getPage, makeAdmin, type TestAdmin } from '../admin/console-support.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, inputValue } from '../support/form-browser.ts';

describe('the client registry', () => {
  const store = createSqliteStore({ path: ':memory:' });
  const fromConfig = clientSchema.parse({
    client_id: 'cfg',
    client_secret: 'a-config-secret-of-at-least-32-chars!!',
    redirect_uris: ['https://cfg.example/cb'],
  });
  const registry = createClientRegistry({
    store,
    configClients: [
      fromConfig,
      clientSchema.parse({ client_id: 'admit-console', redirect_uris: ['https://id.example/admin/callback'], token_endpoint_auth_method: 'none' }),
    ],
  });
  afterAll(() => store.close());

  it("refuses ids already taken: admit's own, the config file's, a registered one", async () => {
    assert.deepEqual(await registry.register({ id: 'admit-console', redirectUris: ['https://x.example/cb'], firstParty: false, isPublic: true }), {
      status: 'exists',
    });
    assert.deepEqual(await registry.register({ id: 'cfg', redirectUris: ['https://x.example/cb'], firstParty: false, isPublic: true }), { status: 'exists' });
    assert.equal((await registry.register({ id: 'spa', name: '', redirectUris: ['https://spa.example/cb'], firstParty: true, isPublic: true })).status, 'ok');
    assert.deepEqual(await registry.register({ id: 'spa', redirectUris: ['https://x.example/cb'], firstParty: false, isPublic: true }), { status: 'exists' });
  });

  it('registers a public client without a secret, names the field of an invalid one, and lists only admit-external clients', async () => {
    const spa = await registry.find('spa');
    assert.equal(spa?.client_secret, undefined);
    assert.equal(spa?.client_name, undefined, 'an empty name is no name');
    const invalid = await registry.register({ id: 'bad', redirectUris: ['not a url'], firstParty: false, isPublic: false });
    assert.equal(invalid.status, 'invalid');
    assert.equal((invalid as { field: string }).field, 'redirect_uris');
    assert.equal(await registry.find('bad'), undefined);
    // An id listed whose record is gone is left out.
    await store.addToSet(registeredClientsKey, 'vanished');
    const { config, registered } = await registry.list();
    assert.deepEqual(
      config.map((client) => client.client_id),
      ['cfg'],
    );
    assert.deepEqual(
      registered.map((client) => client.client_id),
      ['spa'],
    );
  });

  it("rotates only a registered confidential client's secret, and edits only a registered client's redirect URIs", async () => {
    assert.equal(await registry.rotateSecret('spa'), undefined, 'a public client has no secret');
    assert.equal(await registry.rotateSecret('nope'), undefined);
    const web = await registry.register({ id: 'web', redirectUris: ['https://web.example/cb'], firstParty: false, isPublic: false });
    const secret = await registry.rotateSecret('web');
    assert.ok(secret && secret !== (web as { secret?: string }).secret);
    assert.equal((await registry.find('web'))?.client_secret, secret);
    assert.deepEqual(await registry.setRedirectUris('nope', ['https://x.example/cb']), {
      status: 'invalid',
      field: 'client_id',
      message: 'not a registered client',
    });
    assert.equal((await registry.setRedirectUris('web', ['not a url'])).status, 'invalid');
    assert.deepEqual(await registry.setRedirectUris('web', ['https://web.example/a', 'https://web.example/b']), { status: 'ok' });
    assert.deepEqual((await registry.find('web'))?.redirect_uris, ['https://web.example/a', 'https://web.example/b']);
  });
});

describe('the console: relying applications and user actions', () => {
  let running: RunningAdmit;
  let global: TestAdmin;
  let siteAdmin: TestAdmin;
  const globalBrowser = new FormBrowser();
  const siteBrowser = new FormBrowser();
  const url = (path: string) => `${running.issuer}${path}`;
  const notice = (response: Response) => new URL(response.headers.get('location') ?? '/', running.issuer).searchParams.get('notice');

  beforeAll(async () => {
    running = await startAdmit({
      config: {
        sites: [
          { id: 'DEMO', displayName: 'Demo site', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false } },
          { id: 'OTHER', displayName: 'Other site', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false } },
        ],
      },
    });
    global = await makeAdmin(running, { site: 'OTHER', username: 'gina', adminSites: ['*'] });
    siteAdmin = await makeAdmin(running, { site: 'DEMO', username: 'sid', adminSites: ['DEMO'] });
    await consoleSignIn(running, globalBrowser, global);
    await consoleSignIn(running, siteBrowser, siteAdmin);
  });
  afterAll(async () => {
    await running?.stop();
  });

  describe('relying applications', () => {
    let csrf: string;
    beforeAll(async () => {
      csrf = inputValue((await getPage(running, globalBrowser, '/admin/clients')).html, '_csrf');
    });
    const post = (path: string, form: Record<string, string>, browser = globalBrowser) => browser.request(url(path), { form: { _csrf: csrf, ...form } });

    it("are a global admin's only: a site admin gets 404 for the page and its forms", async () => {
      assert.equal((await siteBrowser.request(url('/admin/clients'))).status, 404);
      const siteCsrf = inputValue((await getPage(running, siteBrowser, '/admin/approvals')).html, '_csrf');
      assert.equal(
        (await siteBrowser.request(url('/admin/clients'), { form: { _csrf: siteCsrf, client_id: 'x', redirect_uris: 'https://x.example/cb', type: 'public' } }))
          .status,
        404,
      );
    });

    it("registers a public client and shows no secret; refuses a bad id with the form's own words", async () => {
      const created = await post('/admin/clients', {
        client_id: 'spa',
        client_name: 'Single page',
        redirect_uris: 'https://spa.example/cb\r\n\r\nhttp://localhost:3000/cb',
        type: 'public',
      });
      assert.equal(created.status, 200);
      const html = await created.text();
      assert.doesNotMatch(html, /id="client-secret"/);
      assert.match(html, /spa/);
      const again = await post('/admin/clients', { client_id: 'spa', redirect_uris: 'https://other.example/cb', type: 'confidential' });
      assert.equal(again.status, 400);
      assert.match(await again.text(), /already registered/);
      assert.equal((await running.admit.provider.Client.find('spa'))?.tokenEndpointAuthMethod, 'none', 'the first registration stands');
      const bad = await post('/admin/clients', { client_id: '-bad id', redirect_uris: 'https://x.example/cb', type: 'public' });
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /Client ID: letters, digits/);
      const noType = await post('/admin/clients', { client_id: 'typeless', redirect_uris: 'https://x.example/cb', type: 'other' });
      assert.equal(noType.status, 400);
      assert.match(await noType.text(), /Choose confidential or public/);
      assert.equal(await running.admit.provider.Client.find('typeless'), undefined);
    });

    it("answers 404 for an unknown client's secret or redirect URIs, and 400 for bad URIs of a known one", async () => {
      assert.equal((await post('/admin/clients/nope/rotate-secret', {})).status, 404);
      assert.equal((await post('/admin/clients/spa/rotate-secret', {})).status, 404, 'a public client has no secret to rotate');
      assert.equal((await post('/admin/clients/nope/redirect-uris', { redirect_uris: 'https://x.example/cb' })).status, 404);
      assert.equal((await post('/admin/clients/nope/redirect-uris', { redirect_uris: 'javascript:alert(1)' })).status, 404);
      const bad = await post('/admin/clients/spa/redirect-uris', { redirect_uris: 'http://evil.example/cb' });
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /spa: Enter one or more redirect URIs/);
      const empty = await post('/admin/clients/spa/redirect-uris', {});
      assert.equal(empty.status, 400);
      const ok = await post('/admin/clients/spa/redirect-uris', { redirect_uris: 'https://spa.example/new' });
      assert.equal(notice(ok), 'redirect_uris');
    });
  });

  describe('user actions', () => {
    const accounts = () => createAccountService({ store: running.admit.store });
    let siteCsrf: string;
    let globalCsrf: string;
    beforeAll(async () => {
      siteCsrf = inputValue((await getPage(running, siteBrowser, '/admin/approvals')).html, '_csrf');
      globalCsrf = inputValue((await getPage(running, globalBrowser, '/admin/approvals')).html, '_csrf');
    });
    const act = (id: string, action: string, browser = siteBrowser) =>
      browser.request(url(`/admin/users/${encodeURIComponent(id)}/${action}`), { form: { _csrf: browser === siteBrowser ? siteCsrf : globalCsrf } });

    it("answers 404 for an unknown account and another site's, 403 for one's own and a wider role's, changing nothing", async () => {
      assert.equal((await act('no-such-account', 'disable')).status, 404);
      assert.equal((await act(global.account.id, 'disable')).status, 404, 'a global admin of another site');
      const own = await act(siteAdmin.account.id, 'disable');
      assert.equal(own.status, 403);
      assert.match(await own.text(), /your own account/);
      const peer = await makeAdmin(running, { site: 'DEMO', username: 'pam', adminSites: ['DEMO', 'OTHER'] });
      const wider = await act(peer.account.id, 'sign-out');
      assert.equal(wider.status, 403);
      assert.match(await wider.text(), /wider role than yours/);
      assert.equal((await accounts().find(siteAdmin.account.id))?.status, 'active');
    });

    it('enables only a disabled account; unlocks with or without an address to tell; resets MFA and trusted browsers', async () => {
      const plain = await accounts().linkOrCreate('DEMO', 'local', { externalId: 'ned-1', username: 'ned', groups: [] });
      assert.equal(notice(await act(plain.id, 'enable')), 'enabled');
      assert.equal((await accounts().find(plain.id))?.status, 'active');
      assert.equal(notice(await act(plain.id, 'disable')), 'disabled');
      assert.equal((await accounts().find(plain.id))?.status, 'disabled');
      assert.equal(notice(await act(plain.id, 'enable')), 'enabled');
      assert.equal((await accounts().find(plain.id))?.status, 'active');
      assert.equal(notice(await act(plain.id, 'unlock')), 'unlocked');
      const mailed = await accounts().linkOrCreate('DEMO', 'local', { externalId: 'meg-1', username: 'meg', email: 'meg@example.com', groups: [] });
      assert.equal(notice(await act(mailed.id, 'unlock')), 'unlocked');
      const { messages } = await running.admit.outbox.list({ siteIds: 'all', limit: 100 });
      assert.ok(
        messages.some((message) => message.to === 'meg@example.com'),
        'the unlocked person is told',
      );
      assert.equal(notice(await act(mailed.id, 'reset-mfa')), 'mfa_reset');
      assert.equal(notice(await act(mailed.id, 'revoke-browsers')), 'browsers_revoked');
      assert.equal(notice(await act(mailed.id, 'sign-out')), 'signed_out');
      // A global admin acts on any site's account.
      assert.equal(notice(await act(mailed.id, 'disable', globalBrowser)), 'disabled');
    });
  });
});
