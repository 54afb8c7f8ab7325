import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { createDeviceStore } from '../../src/services/mfa/devices.ts';
import { rpClient, signInAtRp } from '../registration/support.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, inputValue } from '../support/form-browser.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { consoleSignIn, enrollTotp, getPage, makeAdmin, postForm } from './console-support.ts';

const sites = [
  { id: 'DEMO', displayName: 'Demo', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false, maxFailedAttempts: 3 } },
  { id: 'SIDE', displayName: 'Side', directory: { kind: 'local' } },
];
const password = 'Uma#Userpass2026';
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

describe('admin console actions: users, relying applications, audit export', () => {
  let running: RunningAdmit;
  let smtp: TestSmtpServer;
  const admin = new FormBrowser();
  let userId: string;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    running = await startAdmit({ config: { sites, clients: [rpClient], mail: { transport: smtp.url } } });
    await consoleSignIn(running, admin, await makeAdmin(running, { site: 'SIDE', username: 'gina', adminSites: ['*'] }));
    await createLocalDirectory({ store: running.admit.store, siteId: 'DEMO' }).addUser({
      username: 'uma',
      password,
      email: 'uma@example.com',
      name: 'Uma User',
    });
    const signIn = await signInAtRp(running, new FormBrowser(), { username: 'uma', password, site: 'DEMO' });
    assert.ok(signIn.url.searchParams.get('code'));
    userId = (await createAccountService({ store: running.admit.store }).listBySite('DEMO'))[0]!.id;
  });
  afterAll(async () => {
    await running?.stop();
    await smtp?.stop();
  });

  async function tokensForUma() {
    const signIn = await signInAtRp(running, new FormBrowser(), { username: 'uma', password, site: 'DEMO' });
    return { signIn, tokens: await oidc.authorizationCodeGrant(signIn.config, signIn.url, { pkceCodeVerifier: signIn.verifier }) };
  }

  async function act(action: string) {
    const page = await getPage(running, admin, `/admin/users/${userId}`);
    return postForm(running, admin, page.html, `/admin/users/${userId}/${action}`);
  }

  it('sign out everywhere: the refresh tokens die', async () => {
    const { signIn, tokens } = await tokensForUma();
    const { url } = await act('sign-out');
    assert.equal(url.searchParams.get('notice'), 'signed_out');
    await assert.rejects(oidc.refreshTokenGrant(signIn.config, tokens.refresh_token!));
  });

  it('disable ends the sessions and refuses sign-in; enable lets the person back', async () => {
    const { signIn, tokens } = await tokensForUma();
    await act('disable');
    await assert.rejects(oidc.refreshTokenGrant(signIn.config, tokens.refresh_token!));
    const refused = await signInAtRp(running, new FormBrowser(), { username: 'uma', password, site: 'DEMO' });
    assert.match(refused.html, /disabled/);
    await act('enable');
    assert.ok((await signInAtRp(running, new FormBrowser(), { username: 'uma', password, site: 'DEMO' })).url.searchParams.get('code'));
  });

  it("unlock clears admit's failed sign-ins and tells the person by email", async () => {
    for (let i = 0; i < 4; i += 1) await signInAtRp(running, new FormBrowser(), { username: 'uma', password: 'wrong', site: 'DEMO' });
    const locked = await signInAtRp(running, new FormBrowser(), { username: 'uma', password, site: 'DEMO' });
    assert.equal(locked.status, 429);
    const { url } = await act('unlock');
    assert.equal(url.searchParams.get('notice'), 'unlocked');
    const mail = await smtp.waitFor((m) => m.to.includes('uma@example.com') && m.subject === 'Your account was unlocked');
    assert.match(mail.text, /uma on site DEMO was unlocked/);
    assert.ok((await signInAtRp(running, new FormBrowser(), { username: 'uma', password, site: 'DEMO' })).url.searchParams.get('code'));
  });

  it('reset MFA removes the devices; revoke trusted browsers answers', async () => {
    await enrollTotp(running.admit.store, userId);
    assert.equal((await createDeviceStore({ store: running.admit.store }).list(userId)).length, 1);
    const before = await getPage(running, admin, `/admin/users/${userId}`);
    assert.match(before.html, /Test tablet \(default\)/);
    assert.equal((await act('reset-mfa')).url.searchParams.get('notice'), 'mfa_reset');
    assert.equal((await createDeviceStore({ store: running.admit.store }).list(userId)).length, 0);
    assert.equal((await act('revoke-browsers')).url.searchParams.get('notice'), 'browsers_revoked');
  });

  it('registers an application, shows its secret once, rotates it (the old one stops working), edits redirect URIs', async () => {
    let page = await getPage(running, admin, '/admin/clients');
    assert.match(page.html, /From the configuration file[\s\S]*<td[^>]*>rp<\/td>/);
    assert.doesNotMatch(page.html, /admit-console|admit-welcome/, "admit's own clients are not listed");
    const bad = await postForm(running, admin, page.html, '/admin/clients', { client_id: 'web', redirect_uris: 'javascript:alert(1)', type: 'confidential' });
    assert.equal(bad.response.status, 400);
    assert.match(await bad.response.text(), /redirect URIs/);
    const taken = await postForm(running, admin, page.html, '/admin/clients', { client_id: 'rp', redirect_uris: 'https://x.example/cb', type: 'confidential' });
    assert.match(await taken.response.text(), /already registered/);
    const created = await postForm(running, admin, page.html, '/admin/clients', {
      client_id: 'web',
      client_name: 'Web',
      redirect_uris: 'https://web.example/callback',
      type: 'confidential',
      first_party: 'on',
    });
    const first = /id="client-secret">([^<]+)</.exec(await created.response.text())![1]!;
    const tokenWith = (secret: string) =>
      fetch(`${running.issuer}/token`, {
        method: 'POST',
        headers: { authorization: basic('web', secret), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: 'nope',
          redirect_uri: 'https://web.example/callback',
          code_verifier: 'x'.repeat(43),
        }),
      }).then((response) => response.json() as Promise<{ error: string }>);
    assert.equal((await tokenWith(first)).error, 'invalid_grant', 'the secret authenticates the client');
    page = await getPage(running, admin, '/admin/clients');
    assert.doesNotMatch(page.html, new RegExp(first), 'the secret is shown once');
    const rotated = await postForm(running, admin, page.html, '/admin/clients/web/rotate-secret');
    const second = /id="client-secret">([^<]+)</.exec(await rotated.response.text())![1]!;
    assert.notEqual(second, first);
    assert.equal((await tokenWith(first)).error, 'invalid_client');
    assert.equal((await tokenWith(second)).error, 'invalid_grant');
    page = await getPage(running, admin, '/admin/clients');
    const { url } = await postForm(running, admin, page.html, '/admin/clients/web/redirect-uris', {
      redirect_uris: 'https://web.example/callback\nhttps://web.example/other',
    });
    assert.equal(url.searchParams.get('notice'), 'redirect_uris');
    const saved = await running.admit.provider.Client.find('web');
    assert.deepEqual(saved?.redirectUris, ['https://web.example/callback', 'https://web.example/other']);
    const refused = await admin.request(`${running.issuer}/admin/clients/rp/redirect-uris`, {
      form: { _csrf: inputValue(page.html, '_csrf'), redirect_uris: 'https://x.example/cb' },
    });
    assert.equal(refused.status, 404, 'a config-file client is read-only');
  });

  it('the audit log has every action above, filters by user, site, action, and exports CSV safely', async () => {
    const page = await getPage(running, admin, '/admin/audit?user=uma&action=admin.user');
    for (const action of ['sign-out', 'disable', 'enable', 'unlock', 'reset-mfa', 'revoke-browsers'])
      assert.match(page.html, new RegExp(`admin\\.user\\.${action}<`), action);
    assert.doesNotMatch(page.html, /admin\.client/);
    const signIns = await getPage(running, admin, '/admin/audit?site=DEMO&action=sign_in');
    assert.match(signIns.html, /<td>sign_in<\/td>\s*<td>invalid<\/td>/);
    assert.match(signIns.html, /<td>sign_in<\/td>\s*<td>throttled<\/td>/);
    // A user name that a spreadsheet would run as a formula is exported inert.
    await signInAtRp(running, new FormBrowser(), { username: '=HYPERLINK("http://evil")', password: 'x', site: 'DEMO' });
    const csv = await admin.request(`${running.issuer}/admin/audit.csv?site=DEMO`);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type') ?? '', /text\/csv/);
    assert.match(csv.headers.get('content-disposition') ?? '', /attachment; filename="admit-audit-/);
    const text = await csv.text();
    assert.match(text, /"'=HYPERLINK\(""http:\/\/evil""\)"/);
    assert.doesNotMatch(text, /,=HYPERLINK/);
    const bad = await getPage(running, admin, `/admin/audit?from=yesterday&to=2999-01-01&site=NOPE&user=${'x'.repeat(500)}`);
    // A filter the page cannot run is refused with its sentence (and the form shows what was typed), not silently widened.
    assert.equal(bad.status, 400, 'a malformed date is refused');
    assert.match(bad.html, /role="alert"|class="error"/);
    assert.doesNotMatch(bad.html, /at \w+ \(|node_modules/, 'no stack trace in the page');
  });
});
