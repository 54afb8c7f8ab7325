import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createAccountService } from '../../src/services/accounts.ts';
import { pendingKey } from '../../src/services/approvals/access-requests.ts';
import { consoleSignIn, getPage, makeAdmin, postForm } from '../admin/console-support.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, inputValue } from '../support/form-browser.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { rpClient, sendDetails, signInAtRp, verifyEmail } from './support.ts';

const SEED_IN_USE = 'This email address is already in use';
const sites = [
  {
    id: 'DEMO',
    displayName: 'Demo site',
    directory: { kind: 'local' },
    signIn: { changePasswordAtFirstSignIn: false },
    signUp: { mode: 'approval', approvers: ['approver@demo.test'] },
  },
  { id: 'OPEN', displayName: 'Open site', directory: { kind: 'local' } },
];
const details = (username: string) => ({
  name: 'Rita Requester',
  organisation: 'Acme Utilities',
  reason: 'Meter data for our region',
  username,
  password: 'Rita#Meters2026',
  confirmPassword: 'Rita#Meters2026',
});

describe('User Registration: request, approval queue, decision', () => {
  let running: RunningAdmit;
  let smtp: TestSmtpServer;
  const admin = new FormBrowser();

  beforeAll(async () => {
    smtp = await startSmtpServer();
    running = await startAdmit({ config: { sites, clients: [rpClient], mail: { transport: smtp.url } } });
    await consoleSignIn(running, admin, await makeAdmin(running, { site: 'OPEN', username: 'gina', adminSites: ['DEMO'], email: 'gina@admins.test' }));
  });
  afterAll(async () => {
    await running?.stop();
    await smtp?.stop();
  });

  it('sends a request: the status page, the emails, and a pending account that gets no token', async () => {
    const browser = new FormBrowser();
    const page = await verifyEmail(running, smtp, browser, 'DEMO', 'rita@example.com');
    assert.match(page, /Reason for access/);
    const { url, response } = await sendDetails(running, browser, page, details('rita'));
    assert.equal(url.pathname, '/register/status');
    const status = await response.text();
    assert.match(status, /waiting for approval/);
    // The day in the page's language (English here), through Intl.
    const today = new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date());
    assert.match(status, new RegExp(`id="submitted">${today}<`));
    assert.match(status, /typically processed within two business days/);
    const received = await smtp.waitFor((mail) => mail.to.includes('rita@example.com') && /received your request/.test(mail.subject));
    assert.match(received.text, /within two business days/);
    for (const approver of ['approver@demo.test', 'gina@admins.test']) {
      const notice = await smtp.waitFor((mail) => mail.to.includes(approver) && /New access request for DEMO/.test(mail.subject));
      assert.match(notice.text, new RegExp(`${running.issuer}/admin/approvals`));
    }
    const [account] = await createAccountService({ store: running.admit.store }).findByEmail('DEMO', 'rita@example.com');
    assert.equal(account?.status, 'pending_approval');
    const signIn = await signInAtRp(running, new FormBrowser(), { username: 'rita', password: 'Rita#Meters2026', site: 'DEMO' });
    assert.equal(signIn.status, 403);
    assert.match(signIn.html, /waiting for approval/);
  });

  it('the queue shows the request with its age; approving mails the person, who can then sign in', async () => {
    const queue = await getPage(running, admin, '/admin/approvals');
    assert.match(queue.html, /Rita Requester[\s\S]*Acme Utilities[\s\S]*Meter data for our region/);
    assert.match(queue.html, /0 business days/);
    const requestId = /data-request="([^"]+)"/.exec(queue.html)![1]!;
    const before = smtp.received.length;
    // Two admins pressing at once: one decision, one email.
    const csrf = inputValue(queue.html, '_csrf');
    const [first, second] = await Promise.all(
      [0, 1].map(() => admin.follow(`${running.issuer}/admin/approvals/${requestId}/approve`, undefined, { form: { _csrf: csrf } })),
    );
    assert.deepEqual([first!.url.searchParams.get('notice'), second!.url.searchParams.get('notice')].sort(), ['already_decided', 'approved']);
    const approved = await smtp.waitFor((mail) => mail.to.includes('rita@example.com') && smtp.received.indexOf(mail) >= before);
    assert.equal(approved.subject, 'Your access to Demo site was approved');
    assert.match(approved.text, /User Name "rita"/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(smtp.received.filter((mail, index) => index >= before && mail.to.includes('rita@example.com')).length, 1);
    const signIn = await signInAtRp(running, new FormBrowser(), { username: 'rita', password: 'Rita#Meters2026', site: 'DEMO' });
    assert.ok(signIn.url.searchParams.get('code'), signIn.html.slice(0, 300));
    const audit = await getPage(running, admin, '/admin/audit?action=admin.request');
    assert.match(audit.html, /admin\.request\.approve<\/td>\s*<td>ok<\/td>/);
    assert.match(audit.html, /admin\.request\.approve<\/td>\s*<td>already_decided<\/td>/);
  });

  it('denying needs a reason, mails it, and the person gets no token', async () => {
    const browser = new FormBrowser();
    const page = await verifyEmail(running, smtp, browser, 'DEMO', 'dan@example.com');
    await sendDetails(running, browser, page, { ...details('dan'), name: 'Dan Denied' });
    const queue = await getPage(running, admin, '/admin/approvals');
    const requestId = /data-request="([^"]+)"[\s\S]*?Dan Denied/.exec(queue.html)![1]!;
    const empty = await postForm(running, admin, queue.html, `/admin/approvals/${requestId}/deny`, { reason: '  ' });
    assert.equal(empty.response.status, 400);
    assert.match(await empty.response.text(), /Give a reason/);
    const { url } = await postForm(running, admin, queue.html, `/admin/approvals/${requestId}/deny`, { reason: 'No contract with Acme' });
    assert.equal(url.searchParams.get('notice'), 'denied');
    const denied = await smtp.waitFor((mail) => mail.to.includes('dan@example.com') && /declined/.test(mail.subject));
    assert.match(denied.text, /Reason: No contract with Acme/);
    const status = await (await browser.request(`${running.issuer}/register/status`)).text();
    assert.match(status, /declined: No contract with Acme/);
    const signIn = await signInAtRp(running, new FormBrowser(), { username: 'dan', password: 'Rita#Meters2026', site: 'DEMO' });
    assert.equal(signIn.status, 403);
    assert.match(signIn.html, /was denied/);
  });

  it('"This email address is already in use…" for a taken address, as the seed says, once the code proves the address', async () => {
    const html = await verifyEmail(running, smtp, new FormBrowser(), 'DEMO', 'rita@example.com');
    assert.match(html, /^409:/);
    assert.match(
      html,
      new RegExp(`${SEED_IN_USE}\\. Choose the sign in option to sign in with your existing account or sign up using a different email address\\.`),
    );
  });

  it('limits code guesses: five wrong codes end the registration; an expired code is refused', async () => {
    const browser = new FormBrowser();
    const start = await (await browser.request(`${running.issuer}/register`)).text();
    await browser.request(`${running.issuer}/register`, { form: { _csrf: inputValue(start, '_csrf'), site: 'DEMO', email: 'guess@example.com' } });
    const mail = await smtp.waitFor((m) => m.to.includes('guess@example.com'));
    const right = /code is (\d{6})/.exec(mail.text)![1]!;
    const wrong = right === '000000' ? '111111' : '000000';
    const verify = await (await browser.request(`${running.issuer}/register/verify`)).text();
    const csrf = inputValue(verify, '_csrf');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await browser.request(`${running.issuer}/register/verify`, { form: { _csrf: csrf, code: wrong } })).status);
    assert.deepEqual(statuses, [400, 400, 400, 400, 400]);
    const sixth = await browser.request(`${running.issuer}/register/verify`, { form: { _csrf: csrf, code: right } });
    assert.equal(sixth.status, 429, 'even the right code is refused now');

    const late = new FormBrowser();
    const page = await (await late.request(`${running.issuer}/register`)).text();
    await late.request(`${running.issuer}/register`, { form: { _csrf: inputValue(page, '_csrf'), site: 'DEMO', email: 'late@example.com' } });
    const code = /code is (\d{6})/.exec((await smtp.waitFor((m) => m.to.includes('late@example.com'))).text)![1]!;
    // The code's lifetime ends (its record lapses in the store) while the registration is still open.
    const flowId = createHash('sha256').update(late.cookie(running.issuer, 'admit.signup')!).digest('base64url');
    assert.ok(await running.admit.store.get(`signup-flow:{${flowId}}`), 'the registration is open');
    await running.admit.store.delete(`one-time-code:{registration:${flowId}}`);
    const expired = await late.request(`${running.issuer}/register/verify`, { form: { _csrf: inputValue(page, '_csrf'), code } });
    assert.equal(expired.status, 400);
    assert.match(await expired.text(), /expired or was already used/);
  });

  it('refuses: no CSRF token, a site that takes no requests, the details before the code, too many codes for one address', async () => {
    const browser = new FormBrowser();
    assert.equal((await browser.request(`${running.issuer}/register`, { form: { site: 'DEMO', email: 'x@example.com' } })).status, 403);
    const page = await (await browser.request(`${running.issuer}/register`)).text();
    assert.doesNotMatch(page, /value="OPEN"/, 'an open site is not offered');
    const closed = await browser.request(`${running.issuer}/register`, { form: { _csrf: inputValue(page, '_csrf'), site: 'OPEN', email: 'x@example.com' } });
    assert.equal(closed.status, 400);
    assert.match(await closed.text(), /does not take access requests/);
    const early = await browser.request(`${running.issuer}/register/details`, { form: { _csrf: inputValue(page, '_csrf'), ...details('early') } });
    assert.equal(early.status, 303);
    assert.equal(early.headers.get('location'), '/register');
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1)
      statuses.push(
        (await browser.request(`${running.issuer}/register`, { form: { _csrf: inputValue(page, '_csrf'), site: 'DEMO', email: 'spam-target@example.com' } }))
          .status,
      );
    assert.deepEqual(statuses, [303, 303, 303, 429]);
  });

  it('the queue flags a request past two business days', async () => {
    const browser = new FormBrowser();
    const page = await verifyEmail(running, smtp, browser, 'DEMO', 'old@example.com');
    await sendDetails(running, browser, page, { ...details('oldie'), name: 'Olga Old' });
    const request = (await running.admit.approval.requests.list(['DEMO'])).items.find((entry) => entry.email === 'old@example.com')!;
    const key = `access-request:{${request.id}}`;
    const stored = JSON.parse((await running.admit.store.get(key))!);
    const submittedAt = new Date(Date.now() - 8 * 86_400_000).toISOString();
    await running.admit.store.set(key, JSON.stringify({ ...stored, submittedAt }));
    // The queue's age is the pending index's score (the submission time).
    await running.admit.store.writeAll([{ op: 'indexAdd', key: pendingKey('DEMO'), member: request.id, score: Date.parse(submittedAt) }]);
    const queue = await getPage(running, admin, '/admin/approvals');
    const row = new RegExp(`<tr class="overdue" data-request="${request.id}">[\\s\\S]*?(\\d+) business days <span class="badge danger">Overdue</span>`).exec(
      queue.html,
    );
    assert.ok(row, 'flagged');
    assert.ok(Number(row[1]) >= 5 && Number(row[1]) <= 6, row[1]);
    assert.ok(queue.html.indexOf('Olga Old') < queue.html.indexOf('Dan Denied') || !queue.html.includes('Dan Denied'), 'oldest first');
  });

  it('parallel sends of the details make one request and one account', async () => {
    const browser = new FormBrowser();
    const page = await verifyEmail(running, smtp, browser, 'DEMO', 'twice@example.com');
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => sendDetails(running, browser, page, details(`twice${i}`))));
    assert.equal(results.filter((result) => result.url.pathname === '/register/status').length >= 1, true);
    const accounts = await createAccountService({ store: running.admit.store }).findByEmail('DEMO', 'twice@example.com');
    assert.equal(accounts.length, 1);
    const requests = (await running.admit.approval.requests.list(['DEMO'])).items.filter((request) => request.email === 'twice@example.com');
    assert.equal(requests.length, 1);
  });
});
