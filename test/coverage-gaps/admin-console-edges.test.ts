// The admin console's sign-in and its outbox page, in process: who is let
// in (and who is refused, saying why), and which messages a site admin sees
// and may send again.

import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import type { OutboxMessage } from '../../src/services/outbox/outbox-model.ts';
import { consoleSignIn, enrollTotp, getPage, makeAdmin, type TestAdmin } from '../admin/console-support.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, inputValue } from '../support/form-browser.ts';

const sites = [
  { id: 'DEMO', displayName: 'Demo site', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false } },
  { id: 'OTHER', displayName: 'Other site', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false } },
];

describe('admin console: sign-in and outbox', () => {
  let running: RunningAdmit;
  let global: TestAdmin;
  let siteAdmin: TestAdmin;
  const globalBrowser = new FormBrowser();
  const siteBrowser = new FormBrowser();
  const url = (path: string) => `${running.issuer}${path}`;

  beforeAll(async () => {
    running = await startAdmit({ config: { sites } });
    global = await makeAdmin(running, { site: 'OTHER', username: 'gina', adminSites: ['*'] });
    siteAdmin = await makeAdmin(running, { site: 'DEMO', username: 'sid', adminSites: ['DEMO'] });
    await consoleSignIn(running, globalBrowser, global);
    await consoleSignIn(running, siteBrowser, siteAdmin);
  });
  afterAll(async () => {
    await running?.stop();
  });

  /** A message of the site (or of none), delivered by the console transport before it is returned. */
  async function delivered(siteId: string | undefined, to: string, extra: { notAfter?: string } = {}): Promise<OutboxMessage> {
    const [message] = await running.admit.outbox.enqueue([
      {
        channel: 'email',
        to,
        kind: 'test',
        siteId,
        payload: { to, template: 'password-changed', data: { name: 'x', username: 'x', site: siteId ?? '', when: 'now' } },
        ...extra,
      },
    ]);
    running.admit.outbox.wake();
    for (let i = 0; i < 100; i += 1) {
      const current = await running.admit.outbox.get(message!.id);
      if (current && current.state !== 'pending') return current;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the message was not delivered');
  }

  describe('sign-in', () => {
    it('refuses a person with no admin role (403, saying so) and opens no console session', async () => {
      const { store } = running.admit;
      const user = await createLocalDirectory({ store, siteId: 'DEMO' }).addUser({ username: 'uma', password: 'Uma#Garden2026x', email: 'uma@example.com' });
      const accounts = createAccountService({ store });
      const account = await accounts.linkOrCreate('DEMO', 'local', { externalId: user.id, username: 'uma', groups: [] });
      await accounts.save({ ...account, firstSignInAt: new Date().toISOString() });
      const totpSecret = await enrollTotp(store, account.id);
      const browser = new FormBrowser();
      const { response, html } = await consoleSignIn(running, browser, { username: 'uma', password: 'Uma#Garden2026x', site: 'DEMO', totpSecret });
      assert.equal(response.status, 403);
      assert.match(html, /No access to the admin console/);
      const after = await browser.request(url('/admin/approvals'));
      assert.equal(after.status, 303);
      assert.match(after.headers.get('location') ?? '', /\/admin\/sign-in|\/auth\?/);
    });

    it('says a cancelled sign-in did not finish, and refuses a callback without a started sign-in', async () => {
      const browser = new FormBrowser();
      const start = await browser.request(url('/admin/sign-in?return_to=/admin/outbox&switch=1'));
      assert.equal(start.status, 303);
      const authorize = new URL(start.headers.get('location')!, running.issuer);
      assert.equal(authorize.searchParams.get('prompt'), 'login');
      const cancelled = await browser.request(url(`/admin/callback?state=${authorize.searchParams.get('state')}&error=access_denied`));
      assert.equal(cancelled.status, 200);
      assert.match(await cancelled.text(), /Sign-in cancelled/);
      assert.equal((await browser.request(url('/admin/callback?state=x&code=y'))).status, 400);
    });

    it("a sign-out without a console session still ends at the provider's sign-out; the signed-out page says so", async () => {
      const browser = new FormBrowser();
      const page = await (await browser.request(url('/admin/signed-out'))).text();
      assert.match(page, /You are signed out of the admin console/);
      const form = await (await browser.follow(url('/admin/sign-in'))).response.text();
      const out = await browser.request(url('/admin/sign-out'), { form: { _csrf: inputValue(form, '_csrf') } });
      assert.equal(out.status, 303);
      assert.match(out.headers.get('location') ?? '', /\/session\/end\?client_id=/);
    });
  });

  describe('outbox', () => {
    let demo: OutboxMessage;
    let other: OutboxMessage;
    let siteless: OutboxMessage;
    let expired: OutboxMessage;

    beforeAll(async () => {
      demo = await delivered('DEMO', 'demo-reader@example.com');
      other = await delivered('OTHER', 'other-reader@example.com');
      siteless = await delivered(undefined, 'nobody@example.com');
      expired = await delivered('DEMO', 'late-reader@example.com', { notAfter: new Date(Date.now() + 300).toISOString() });
      await new Promise((resolve) => setTimeout(resolve, 400));
    });

    it("shows a site admin their sites' messages only; a malformed cursor reads as the first page", async () => {
      for (const query of ['', '?before=not-a-cursor']) {
        const page = await getPage(running, siteBrowser, `/admin/outbox${query}`);
        assert.equal(page.status, 200);
        assert.match(page.html, /demo-reader@example\.com/);
        assert.doesNotMatch(page.html, /other-reader@example\.com|nobody@example\.com/);
      }
      const global = await getPage(running, globalBrowser, '/admin/outbox');
      assert.match(global.html, /other-reader@example\.com/);
      assert.match(global.html, /nobody@example\.com/);
      const later = await getPage(running, globalBrowser, `/admin/outbox?before=${encodeURIComponent(`${demo.order}:${demo.id}`)}`);
      assert.equal(later.status, 200);
      assert.doesNotMatch(later.html, /demo-reader@example\.com/);
    });

    it("lets a site admin send their site's message again, and answers 404 for another site's, a siteless or an unknown one", async () => {
      const page = await getPage(running, siteBrowser, '/admin/outbox');
      const csrf = inputValue(page.html, '_csrf');
      const resend = (id: string, browser = siteBrowser) => browser.request(url(`/admin/outbox/${id}/resend`), { form: { _csrf: csrf } });
      for (const id of [other.id, siteless.id, 'no-such-message']) assert.equal((await resend(id)).status, 404, id);
      const ok = await resend(demo.id);
      assert.equal(ok.status, 303);
      assert.equal(new URL(ok.headers.get('location')!, running.issuer).searchParams.get('notice'), 'outbox_resent');
      const copies = (await running.admit.outbox.list({ siteIds: ['DEMO'], limit: 100 })).messages.filter(
        (message) => message.to === 'demo-reader@example.com',
      );
      assert.equal(copies.length, 2);
      // A message past its notAfter is not sent again.
      const late = await resend(expired.id);
      assert.equal(new URL(late.headers.get('location')!, running.issuer).searchParams.get('notice'), 'outbox_not_resent');
      // A global admin sends a siteless message again.
      const globalPage = await getPage(running, globalBrowser, '/admin/outbox');
      const siteless2 = await globalBrowser.request(url(`/admin/outbox/${siteless.id}/resend`), { form: { _csrf: inputValue(globalPage.html, '_csrf') } });
      assert.equal(new URL(siteless2.headers.get('location')!, running.issuer).searchParams.get('notice'), 'outbox_resent');
    });
  });
});
