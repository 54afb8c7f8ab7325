import assert from 'node:assert/strict';
import nock from 'nock';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { createAccountService } from '../../src/services/accounts.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, inputValue } from '../support/form-browser.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { RP_CALLBACK, RP_SECRET, signIn } from './entra-admit.ts';
import { type EntraUser, entraDirectory, type FakeMicrosoft, fakeMicrosoft, microsoftKey, offline, TENANT } from './fake-microsoft.ts';

const site = (id: string, mode: 'approval' | 'invitation') => ({
  id,
  displayName: `${id[0]}${id.slice(1).toLowerCase()} Center`,
  directory: entraDirectory({ domains: [] }),
  signIn: { changePasswordAtFirstSignIn: false },
  signUp: { mode },
  mfa: { required: false },
});

/**
 * "Request access" for a Microsoft account with no account in an Entra site:
 * the not-registered page leads to User Registration carrying the identity
 * the sign-in proved (sealed, /register only); the request's account is
 * linked to tid:oid, so after approval the same Microsoft sign-in gets in.
 */
describe('requesting access to an Entra site after signing in with Microsoft', () => {
  let running: RunningAdmit;
  let smtp: TestSmtpServer;
  let microsoft: FakeMicrosoft;
  let key: Awaited<ReturnType<typeof microsoftKey>>;
  let count = 0;

  beforeAll(async () => {
    offline();
    key = await microsoftKey();
    smtp = await startSmtpServer();
    running = await startAdmit({
      config: {
        sites: [
          site('PARTNER', 'approval'),
          site('OTHER', 'approval'),
          site('CLOSED', 'invitation'),
          { id: 'DEMO', displayName: 'Demo', directory: { kind: 'local' }, signUp: { mode: 'approval' } },
        ],
        clients: [{ client_id: 'rp', client_name: 'Partner Center', client_secret: RP_SECRET, first_party: true, redirect_uris: [RP_CALLBACK] }],
        mail: { transport: smtp.url, from: 'admit <no-reply@admit.test>' },
      },
    });
  });
  afterAll(async () => {
    await running?.stop();
    await smtp?.stop();
    microsoft?.stop();
    nock.enableNetConnect();
  });
  beforeEach(async () => {
    microsoft?.stop();
    microsoft = await fakeMicrosoft(key);
  });

  const newUser = (): EntraUser => {
    count += 1;
    const oid = `0000${String(count).padStart(4, '0')}-dddd-4bbb-8ccc-${String(count).padStart(12, '0')}`;
    return { tid: TENANT, oid, email: `partner${count}@contoso.test`, name: `Partner ${count}`, groups: ['g-partners'], amr: ['pwd'] };
  };
  async function notRegistered(who: EntraUser, siteId = 'PARTNER', browser = new FormBrowser()) {
    microsoft.state.nextUser = who;
    const attempt = await signIn(running, { site: siteId }, { browser });
    const html = await attempt.response.text();
    assert.equal(attempt.response.status, 403);
    assert.match(html, /does not exist in tenant/);
    return { browser, html };
  }
  async function page(browser: FormBrowser, path: string, form?: Record<string, string>) {
    const { response, url } = await browser.follow(new URL(path, running.issuer), undefined, form ? { form } : undefined);
    return { status: response.status, url, html: await response.text() };
  }
  async function proveEmail(browser: FormBrowser, start: { html: string }, email: string, siteId: string) {
    await page(browser, '/register', { _csrf: inputValue(start.html, '_csrf'), site: siteId, email });
    const mail = await smtp.waitFor((m) => m.to.includes(email) && /code/i.test(m.subject));
    const code = /\b(\d{6})\b/.exec(mail.text)![1]!;
    const verify = await page(browser, '/register/verify');
    return page(browser, '/register/verify', { _csrf: inputValue(verify.html, '_csrf'), code });
  }

  it('links the request to the Microsoft identity, waits for approval, then lets the same sign-in in', async () => {
    const who = newUser();
    const { browser, html } = await notRegistered(who);
    assert.match(html, /href="\/register\?site=PARTNER"/);
    const start = await page(browser, '/register?site=PARTNER');
    assert.match(start.html, /<option value="PARTNER" selected/);
    assert.equal(inputValue(start.html, 'email'), who.email, 'the email Microsoft gave, to be proved by a code');
    const details = await proveEmail(browser, start, who.email!, 'PARTNER');
    assert.match(details.url.pathname, /\/register\/details$/);
    assert.match(details.html, new RegExp(`sign in with Microsoft as <strong>${who.email}</strong>`));
    assert.doesNotMatch(details.html, /name="password"/, 'no password for an Entra site');
    const sent = await page(browser, '/register/details', {
      _csrf: inputValue(details.html, '_csrf'),
      name: 'Pat Partner',
      organisation: 'Contoso',
      reason: 'Orders',
    });
    assert.match(sent.url.pathname, /\/register\/status$/);
    assert.match(sent.html, /two business days/);

    const accounts = createAccountService({ store: running.admit.store });
    const account = await accounts.findLinked('PARTNER', 'entra', `${who.tid}:${who.oid}`);
    assert.equal(account?.status, 'pending_approval');

    microsoft.state.nextUser = who;
    const waiting = await signIn(running, { site: 'PARTNER' });
    assert.match(await waiting.response.text(), /Waiting for approval|waiting/i);

    const [request] = (await running.admit.approval.requests.list(['PARTNER'])).items.filter((entry) => entry.accountId === account!.id);
    await running.admit.approval.requests.approve(request!.id, 'admin');
    microsoft.state.nextUser = who;
    const admitted = await signIn(running, { site: 'PARTNER' });
    assert.equal(admitted.claims?.sub, account!.id, `ended at ${admitted.url.href}`);
  });

  it('offers an Entra site only to the browser that just signed in there, and only for that site', async () => {
    const anonymous = new FormBrowser();
    const stranger = await page(anonymous, '/register');
    assert.doesNotMatch(stranger.html, /value="PARTNER"/, 'no Entra site without a Microsoft sign-in');
    const refused = await page(anonymous, '/register', { _csrf: inputValue(stranger.html, '_csrf'), site: 'PARTNER', email: 'x@contoso.test' });
    assert.equal(refused.status, 400);

    const { browser } = await notRegistered(newUser(), 'PARTNER');
    const start = await page(browser, '/register');
    assert.match(start.html, /value="PARTNER"/);
    assert.doesNotMatch(start.html, /value="OTHER"/, 'the pass is for the site signed in to');
    const other = await page(browser, '/register', { _csrf: inputValue(start.html, '_csrf'), site: 'OTHER', email: 'y@contoso.test' });
    assert.equal(other.status, 400);
  });

  it('refuses a request whose pass is gone, and a second request for the same Microsoft account', async () => {
    const who = newUser();
    const first = await notRegistered(who);
    const second = await notRegistered(who);
    const ready = async (browser: FormBrowser, email: string) => {
      const details = await proveEmail(browser, await page(browser, '/register?site=PARTNER'), email, 'PARTNER');
      return { _csrf: inputValue(details.html, '_csrf'), name: 'Pat', organisation: 'Contoso', reason: 'Orders' };
    };
    const firstForm = await ready(first.browser, who.email!);
    const secondForm = await ready(second.browser, `other-${who.email}`);

    const origin = new URL(running.issuer).origin;
    const keep = first.browser.cookie(origin, 'admit.federated-signup');
    first.browser.deleteCookie(origin, 'admit.federated-signup');
    const gone = await page(first.browser, '/register/details', firstForm);
    assert.equal(gone.status, 400);
    assert.match(gone.html, /sign in with Microsoft first/);
    assert.equal(await createAccountService({ store: running.admit.store }).findLinked('PARTNER', 'entra', `${who.tid}:${who.oid}`), undefined, 'nothing made');

    assert.match((await page(second.browser, '/register/details', secondForm)).url.pathname, /\/register\/status$/);
    first.browser.setCookie(origin, 'admit.federated-signup', keep!);
    const twice = await page(first.browser, '/register/details', firstForm);
    assert.equal(twice.status, 409, 'one request per Microsoft account');
  });

  it('shows no request link where the site takes invitations only', async () => {
    const { html } = await notRegistered(newUser(), 'CLOSED');
    assert.doesNotMatch(html, /\/register/);
    assert.match(html, /ask your administrator for an invitation/);
  });
});
