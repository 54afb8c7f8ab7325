import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { linkIn, tokenOf, waitForNewMail } from '../invitations/support.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, inputValue } from '../support/form-browser.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { sendDetails, verifyEmail } from './support.ts';

const sites = [
  { id: 'DEMO', displayName: 'Demo site', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false }, signUp: { mode: 'approval' } },
];

/**
 * What the registration and invitation pages answer to a form their route's
 * input guard refuses: the same page, status and message as when each
 * handler parsed its own body.
 */
describe('registration and invitation pages: refused input', () => {
  let running: RunningAdmit;
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    running = await startAdmit({ config: { sites, mail: { transport: smtp.url } } });
  });
  afterAll(async () => {
    await running?.stop();
    await smtp?.stop();
  });

  async function post(browser: FormBrowser, path: string, page: string, form: Record<string, string>) {
    const response = await browser.request(`${running.issuer}${path}`, { form: { _csrf: inputValue(page, '_csrf'), ...form } });
    return { status: response.status, html: await response.text() };
  }

  it('the start page says what is wrong and keeps the email as typed', async () => {
    const browser = new FormBrowser();
    const start = await (await browser.request(`${running.issuer}/register`)).text();
    const badEmail = await post(browser, '/register', start, { site: 'DEMO', email: 'Not An Email' });
    assert.equal(badEmail.status, 400);
    assert.match(badEmail.html, /Enter a valid email address\./);
    assert.match(badEmail.html, /value="Not An Email"/);
    const noSite = await post(browser, '/register', start, { email: 'sam@example.com' });
    assert.equal(noSite.status, 400);
    assert.match(noSite.html, /Select your client site in &#34;Log on to&#34;\.|Select your client site in "Log on to"\./);
  });

  it('a code that is not six digits is a wrong code, on the code page', async () => {
    const browser = new FormBrowser();
    const start = await (await browser.request(`${running.issuer}/register`)).text();
    assert.equal(
      (await browser.request(`${running.issuer}/register`, { form: { _csrf: inputValue(start, '_csrf'), site: 'DEMO', email: 'cody@example.com' } })).status,
      303,
    );
    const verify = await (await browser.request(`${running.issuer}/register/verify`)).text();
    const wrong = await post(browser, '/register/verify', verify, { code: 'abc' });
    assert.equal(wrong.status, 400);
    assert.match(wrong.html, /That code is not right/);
  });

  it('the details page says what is missing and keeps what was typed', async () => {
    const browser = new FormBrowser();
    const page = await verifyEmail(running, smtp, browser, 'DEMO', 'dora@example.com');
    const { response } = await sendDetails(running, browser, page, {
      name: 'Dora Details',
      organisation: 'Acme',
      reason: '',
      username: 'dora',
      password: 'Dora#Details2026',
      confirmPassword: 'Dora#Details2026',
    });
    assert.equal(response.status, 400);
    const html = await response.text();
    assert.match(html, /Fill in every field\./);
    assert.match(html, /value="Dora Details"/);
  });

  it('an invitation post without a usable token is an invalid link; a bad sign-in form is said on the set-up page', async () => {
    const before = smtp.received.length;
    const invited = await running.admit.approval.invitations.invite(
      { siteId: 'DEMO', email: 'ina@example.com', role: 'user', groups: [] },
      { id: 'test', label: 'test' },
    );
    assert.equal(invited.status, 'ok');
    const link = linkIn(await waitForNewMail(smtp, 'ina@example.com', before));
    const browser = new FormBrowser();
    const landing = await (await browser.request(link)).text();
    const noToken = await post(browser, '/invite/accept', landing, {});
    assert.equal(noToken.status, 404);
    assert.match(noToken.html, /not valid/i);
    const create = await post(browser, '/invite/accept', landing, { token: tokenOf(link) });
    assert.equal(create.status, 200);
    const empty = await post(browser, '/invite/create', create.html, { token: tokenOf(link), username: '  Ina  ', newPassword: '', confirmPassword: '' });
    assert.equal(empty.status, 400);
    assert.match(empty.html, /Fill in every field\./);
    assert.match(empty.html, /value=" {2}Ina {2}"/);
    const badToken = await post(browser, '/invite/create', create.html, { token: 'x'.repeat(200), username: 'ina', newPassword: 'a', confirmPassword: 'a' });
    assert.equal(badToken.status, 404);
  });
});
