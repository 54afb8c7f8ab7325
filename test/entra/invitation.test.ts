import assert from 'node:assert/strict';
import nock from 'nock';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { InvitationService } from '../../src/services/invitations/invitations.ts';
import type { RunningAdmit } from '../support/admit-server.ts';
import { FormBrowser, formAction, inputValue } from '../support/form-browser.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { startEntraAdmit } from './entra-admit.ts';
import { entraDirectory, type FakeMicrosoft, fakeMicrosoft, offline, TENANT } from './fake-microsoft.ts';

/**
 * An invitation redeemed with a Microsoft account: the invitee opens the
 * emailed link, presses the button, signs in with Microsoft, and that
 * Microsoft identity (tid + oid) is bound to the invited account.
 */
describe('an invitation redeemed by signing in with Microsoft', () => {
  let running: RunningAdmit;
  let accounts: Awaited<ReturnType<typeof startEntraAdmit>>['accounts'];
  let microsoft: FakeMicrosoft;
  let smtp: TestSmtpServer;
  let invitations: InvitationService;

  beforeAll(async () => {
    offline();
    smtp = await startSmtpServer();
    ({ running, accounts } = await startEntraAdmit(
      [
        {
          id: 'PARTNER',
          displayName: 'Partner Center',
          directory: entraDirectory({ groups: { enabled: true } }),
          signUp: { mode: 'invitation' },
          signIn: { maxAttemptsPerIp: 10_000 },
        },
      ],
      { mail: { from: 'admit <no-reply@admit.test>', transport: smtp.url, timeoutSeconds: 5 } },
    ));
    // admit's own service: its email goes out through admit's outbox to the SMTP server.
    invitations = running.admit.approval.invitations;
    microsoft = await fakeMicrosoft();
  });
  afterAll(async () => {
    await running?.stop();
    await smtp?.stop();
    microsoft?.stop();
    nock.enableNetConnect();
  });

  async function invite(email: string): Promise<string> {
    const sent = await invitations.invite(
      { siteId: 'PARTNER', email, name: 'Invited Partner', role: 'user', groups: ['Invited group'] },
      { id: 'admin', label: 'admin@PARTNER' },
    );
    assert.equal(sent.status, 'ok', JSON.stringify(sent));
    const mail = await smtp.waitFor((message) => message.to.includes(email));
    const link = /https?:\/\/\S+\/invite\?token=[A-Za-z0-9_-]+/.exec(mail.text)?.[0];
    assert.ok(link, mail.text);
    return link;
  }

  /** Opens the link, accepts, and signs in with Microsoft as `oid`; returns where it ended. */
  async function redeemAs(link: string, who: { oid: string; email: string }) {
    const browser = new FormBrowser();
    const landing = await browser.request(link);
    const html = await landing.text();
    assert.equal(landing.status, 200, html.slice(0, 300));
    const accepted = await browser.follow(new URL(formAction(html, '/invite/accept'), link), undefined, {
      form: { _csrf: inputValue(html, '_csrf'), token: new URL(link).searchParams.get('token')! },
    });
    const signInPage = await accepted.response.text();
    assert.match(signInPage, /Sign in with Microsoft/);
    microsoft.state.nextUser = { tid: TENANT, oid: who.oid, email: who.email, name: 'Invited Partner', groups: ['g-1'] };
    const action = new URL(formAction(signInPage, '/login').replace(/\/login$/, '/federated'), accepted.url);
    return browser.follow(action, undefined, { form: { _csrf: inputValue(signInPage, '_csrf'), site: 'PARTNER' } });
  }

  it("binds the Microsoft identity to the invited account, with the invitation's grants, then lets the partner in", async () => {
    const link = await invite('invitee@contoso.test');
    const oid = '0b0b0b0b-0000-4000-8000-00000000000b';
    const done = await redeemAs(link, { oid, email: 'invitee@contoso.test' });
    assert.equal(done.url.pathname, '/invite/done', `ended at ${done.url.href}`);
    assert.match(await done.response.text(), /You are all set/);
    const account = await accounts.findLinked('PARTNER', 'entra', `${TENANT}:${oid}`);
    assert.ok(account, 'the Microsoft identity is bound');
    assert.equal(account.status, 'active');
    assert.equal(account.email, 'invitee@contoso.test');
    assert.equal(account.emailVerified, true, 'the invitation link proved the address');
    assert.ok(account.groups.includes('Invited group'));
    // The link is spent: nobody (no other Microsoft user) can use it again.
    const again = await new FormBrowser().request(link);
    assert.ok([404, 410].includes(again.status), `a spent link answers ${again.status}`);
    assert.doesNotMatch(await again.text(), /Sign in with Microsoft/);
  });

  it('refuses a Microsoft account whose email is not the invited address', async () => {
    const link = await invite('expected@contoso.test');
    const oid = '0d0d0d0d-0000-4000-8000-00000000000d';
    const refused = await redeemAs(link, { oid, email: 'somebody.else@contoso.test' });
    assert.equal(refused.response.status, 403);
    assert.match(await refused.response.text(), /invitation was sent to another email address/);
    assert.equal(await accounts.findLinked('PARTNER', 'entra', `${TENANT}:${oid}`), undefined);
  });
});
