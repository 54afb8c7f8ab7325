import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createAccountService } from '../../src/services/accounts.ts';
import { rpClient, sendDetails, signInAtRp, verifyEmail } from '../registration/support.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, formAction, inputValue } from '../support/form-browser.ts';
import { directoryFor, type RunningSlapd, seedPassword, startSlapd } from '../support/slapd.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { linkIn } from './support.ts';

const inviter = { id: 'admin-id', label: 'The Admin' };

/** An LDAP site: the invitee redeems the link by signing in with their directory account. */
describe('invitations and requests on an LDAP site (real OpenLDAP)', () => {
  let slapd: RunningSlapd;
  let smtp: TestSmtpServer;
  let running: RunningAdmit;

  beforeAll(async () => {
    slapd = await startSlapd();
    smtp = await startSmtpServer();
    running = await startAdmit({
      config: {
        sites: [
          {
            id: 'ACME',
            displayName: 'ACME directory',
            directory: directoryFor(slapd),
            signIn: { changePasswordAtFirstSignIn: false },
            signUp: { mode: 'invitation' },
          },
          {
            id: 'ASK',
            displayName: 'ACME by request',
            directory: directoryFor(slapd),
            signIn: { changePasswordAtFirstSignIn: false },
            signUp: { mode: 'approval' },
          },
        ],
        clients: [rpClient],
        mail: { transport: smtp.url },
      },
    });
  });
  afterAll(async () => {
    await running?.stop();
    await slapd?.stop();
    await smtp?.stop();
  });

  async function inviteAndAccept(email: string) {
    const outcome = await running.admit.approval.invitations.invite({ siteId: 'ACME', email, role: 'site-admin', groups: ['partners'] }, inviter);
    assert.equal(outcome.status, 'ok');
    const link = linkIn(await smtp.waitFor((mail) => mail.to.includes(email)));
    const browser = new FormBrowser();
    const landing = await (await browser.request(link)).text();
    assert.match(landing, /Next you sign in with your ACME directory user name and password\./);
    const { response, url } = await browser.follow(new URL(formAction(landing, '/invite/accept'), running.issuer), undefined, {
      form: { _csrf: inputValue(landing, '_csrf'), token: link.searchParams.get('token')! },
    });
    const login = await response.text();
    assert.match(login, /<h1>Sign in<\/h1>/, url.href);
    return { browser, login, url, link };
  }

  it('redeems through the directory sign-in: the identity is bound, the grants applied, the gates run', async () => {
    const { browser, login, url } = await inviteAndAccept('alice@example.test');
    const { response, url: end } = await browser.follow(new URL(formAction(login, '/login'), url), undefined, {
      form: { _csrf: inputValue(login, '_csrf'), username: 'alice', password: seedPassword('alice'), site: 'ACME' },
    });
    assert.equal(end.pathname, '/invite/done');
    assert.match(await response.text(), /You are all set/);
    const [account] = await createAccountService({ store: running.admit.store }).listBySite('ACME');
    assert.equal(account?.username, 'alice');
    assert.ok(account?.groups.includes('partners') && account.groups.includes('staff'), JSON.stringify(account?.groups));
    assert.deepEqual(account?.adminSites, ['ACME']);
    assert.equal(browser.cookie(running.issuer, 'admit.invitation'), undefined, 'the carried invitation is gone');
    // And from now on alice signs in at any application.
    assert.ok(
      (await signInAtRp(running, new FormBrowser(), { username: 'alice', password: seedPassword('alice'), site: 'ACME' })).url.searchParams.get('code'),
    );
  });

  it('refuses a directory account whose email is not the invited one, and keeps the invitation open', async () => {
    const { browser, login, url, link } = await inviteAndAccept('someone@else.test');
    const { response } = await browser.follow(new URL(formAction(login, '/login'), url), undefined, {
      form: { _csrf: inputValue(login, '_csrf'), username: 'bob', password: seedPassword('bob'), site: 'ACME' },
    });
    assert.equal(response.status, 403);
    assert.match(await response.text(), /sent to another email address/);
    assert.equal((await running.admit.approval.invitations.check(link.searchParams.get('token')!)).status, 'ok');
    assert.equal(
      (await createAccountService({ store: running.admit.store }).listBySite('ACME')).some((account) => account.username === 'bob'),
      false,
    );
  });

  it('an uninvited directory user is not registered in an invitation-only site', async () => {
    const refused = await signInAtRp(running, new FormBrowser(), { username: 'carol', password: seedPassword('carol'), site: 'ACME' });
    assert.equal(refused.status, 403);
    assert.match(refused.html, /not registered for the selected site/);
  });

  it('"User Registration" for an LDAP site proves the directory account, and waits for approval', async () => {
    const browser = new FormBrowser();
    const page = await verifyEmail(running, smtp, browser, 'ASK', 'grace.private@example.com');
    assert.match(page, /Your ASK sign-in/);
    assert.doesNotMatch(page, /Confirm Password/);
    const fields = { name: 'Grace Test', organisation: 'ACME', reason: 'Partner portal access' };
    const wrong = await sendDetails(running, browser, page, { ...fields, username: 'grace', password: 'not-her-password' });
    assert.equal(wrong.response.status, 401);
    const { url } = await sendDetails(running, browser, page, { ...fields, username: 'grace', password: seedPassword('grace') });
    assert.equal(url.pathname, '/register/status');
    const [account] = await createAccountService({ store: running.admit.store }).listBySite('ASK');
    assert.equal(account?.status, 'pending_approval');
    assert.equal(account?.email, 'grace@example.test', 'the directory owns the email');
    const pending = await signInAtRp(running, new FormBrowser(), { username: 'grace', password: seedPassword('grace'), site: 'ASK' });
    assert.match(pending.html, /waiting for approval/);
    const [request] = (await running.admit.approval.requests.list(['ASK'])).items;
    assert.equal((await running.admit.approval.requests.approve(request!.id, 'admin-id')).status, 'ok');
    assert.ok((await signInAtRp(running, new FormBrowser(), { username: 'grace', password: seedPassword('grace'), site: 'ASK' })).url.searchParams.get('code'));
    // Registering again with the same directory account is refused.
    const again = new FormBrowser();
    const second = await verifyEmail(running, smtp, again, 'ASK', 'grace.other@example.com');
    const repeat = await sendDetails(running, again, second, { ...fields, username: 'grace', password: seedPassword('grace') });
    assert.equal(repeat.response.status, 409);
    assert.match(await repeat.response.text(), /already have an account/);
  });
});
