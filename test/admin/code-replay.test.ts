import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, formAction, inputValue } from '../support/form-browser.ts';
import { consoleSignIn, getPage, makeAdmin } from './console-support.ts';

/** A browser that remembers the callback it was sent to, with the cookies it sent there: what a replay resends. */
class RecordingBrowser extends FormBrowser {
  callback?: { url: URL; cookie: string };
  private readonly path: string;
  constructor(path: string) {
    super();
    this.path = path;
  }

  override async request(url: string | URL, init: Parameters<FormBrowser['request']>[1] = {}): Promise<Response> {
    const target = new URL(url);
    if (target.pathname === this.path) this.callback = { url: target, cookie: this.cookieHeader(target.origin) };
    return super.request(url, init);
  }
}

async function replay(callback: { url: URL; cookie: string }): Promise<Response> {
  return fetch(callback.url, { headers: { cookie: callback.cookie, accept: 'text/html' }, redirect: 'manual' });
}

describe('first-party sign-ins redeem their code at the token endpoint, replay included', () => {
  let running: RunningAdmit;

  beforeAll(async () => {
    running = await startAdmit({
      config: { sites: [{ id: 'DEMO', displayName: 'Demo site', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false } }] },
    });
    await createLocalDirectory({ store: running.admit.store, siteId: 'DEMO' }).addUser({
      username: 'rita',
      password: 'Rita#Initial42',
      email: 'rita@example.com',
    });
  });
  afterAll(() => running?.stop());

  it('the console: a replayed code is refused and the console session of its first redemption ends', async () => {
    const admin = await makeAdmin(running, { site: 'DEMO', username: 'gwen', adminSites: ['*'] });
    const browser = new RecordingBrowser('/admin/callback');
    const { url } = await consoleSignIn(running, browser, admin, '/admin/users');
    assert.equal(url.pathname, '/admin/users');
    const callback = browser.callback!;
    const code = callback.url.searchParams.get('code')!;
    const issued = await running.admit.provider.AuthorizationCode.find(code);
    assert.ok(issued && (issued as { consumed?: unknown }).consumed, 'the first callback redeemed the code');
    assert.ok(await running.admit.provider.Grant.find(issued.grantId!), 'the grant stands');

    const again = await replay(callback);
    assert.equal(again.status, 400);
    assert.equal(await running.admit.provider.Grant.find(issued.grantId!), undefined, 'the grant is revoked, as oidc-provider does on code reuse');
    // The console session made by the first redemption is over: the next page sends the browser to sign in.
    const after = await browser.request(`${running.issuer}/admin/users`);
    assert.equal(after.status, 303);
    assert.match(after.headers.get('location') ?? '', /\/auth\?/);
  });

  it('the portal: a replayed code is refused and its grant revoked', async () => {
    const browser = new RecordingBrowser('/portal/callback');
    let { response, url } = await browser.follow(`${running.issuer}/portal/profile`);
    const html = await response.text();
    ({ response, url } = await browser.follow(new URL(formAction(html, '/login'), url), undefined, {
      form: { _csrf: inputValue(html, '_csrf'), username: 'rita', password: 'Rita#Initial42', site: 'DEMO' },
    }));
    assert.equal(url.pathname, '/portal/profile');
    const callback = browser.callback!;
    const issued = await running.admit.provider.AuthorizationCode.find(callback.url.searchParams.get('code')!);
    assert.ok(issued && (issued as { consumed?: unknown }).consumed && (await running.admit.provider.Grant.find(issued.grantId!)));

    const again = await replay(callback);
    assert.equal(again.status, 400);
    assert.equal(await running.admit.provider.Grant.find(issued.grantId!), undefined);
  });

  it('a code for another client, or with another verifier, is refused and revokes nothing', async () => {
    const admin = await makeAdmin(running, { site: 'DEMO', username: 'hugo', adminSites: ['*'] });
    const console = new RecordingBrowser('/admin/callback');
    await consoleSignIn(running, console, admin, '/admin/users');
    const code = console.callback!.url.searchParams.get('code')!;
    const issued = await running.admit.provider.AuthorizationCode.find(code);
    // The console's code sent to the portal's callback, with the portal's own state: client mismatch at the token endpoint.
    const portal = new RecordingBrowser('/portal/callback');
    const start = await portal.request(`${running.issuer}/portal/profile`);
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const injected = await portal.request(`${running.issuer}/portal/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`);
    assert.equal(injected.status, 400);
    assert.ok(await running.admit.provider.Grant.find(issued!.grantId!), 'a mismatch is not a replay');
    const still = await getPage(running, console, '/admin/users');
    assert.equal(still.url.pathname, '/admin/users');
  });
});
