import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { invitationKey } from '../../src/services/invitations/invitation-model.ts';
import { consoleSignIn, getPage, makeAdmin, postForm } from '../admin/console-support.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, formAction, inputValue } from '../support/form-browser.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { allInvitations, linkIn, rawPost, tokenOf, waitForNewMail } from './support.ts';

const sites = [
  { id: 'DEMO', displayName: 'Demo site', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false }, signUp: { mode: 'invitation' } },
  { id: 'OTHER', displayName: 'Other site', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false } },
];

describe("invitations: the link, its abuse cases, and the admin's view", () => {
  let running: RunningAdmit;
  let smtp: TestSmtpServer;
  const admin = new FormBrowser();
  let dbPath: string;

  /** Invites through the console form and returns the emailed link. */
  async function invite(email: string, extra: Record<string, string> = {}): Promise<URL> {
    const before = smtp.received.length;
    const page = await getPage(running, admin, '/admin/invitations');
    const { url } = await postForm(running, admin, page.html, '/admin/invitations', {
      email,
      name: 'Ivy Invitee',
      site: 'DEMO',
      role: 'user',
      groups: 'partners; billing',
      days: '',
      ...extra,
    });
    assert.equal(url.searchParams.get('notice'), 'invited');
    return linkIn(await waitForNewMail(smtp, email, before));
  }

  beforeAll(async () => {
    smtp = await startSmtpServer();
    running = await startAdmit({ config: { sites, mail: { transport: smtp.url, from: 'admit <no-reply@admit.test>' } } });
    dbPath = running.config.store.url.replace(/^sqlite:/, '');
    const gina = await makeAdmin(running, { site: 'OTHER', username: 'gina', adminSites: ['*'] });
    await consoleSignIn(running, admin, gina);
  });
  afterAll(async () => {
    await running?.stop();
    await smtp?.stop();
  });

  it('builds the link from the configured issuer, whatever Host or X-Forwarded-Host the request had', async () => {
    const page = await getPage(running, admin, '/admin/invitations');
    const before = smtp.received.length;
    const posted = await rawPost(
      running,
      admin,
      '/admin/invitations',
      {
        _csrf: inputValue(page.html, '_csrf'),
        email: 'hosty@example.com',
        site: 'DEMO',
        role: 'user',
        groups: '',
      },
      { host: 'evil.example', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
    );
    assert.equal(posted.status, 303);
    const mail = await waitForNewMail(smtp, 'hosty@example.com', before);
    assert.equal(mail.subject, 'You are invited to Demo site');
    const link = linkIn(mail);
    assert.equal(link.origin, running.issuer);
    assert.doesNotMatch(mail.text + mail.html, /evil\.example/);
    assert.match(mail.html, new RegExp(`href="${running.issuer}/invite\\?token=`));
  });

  it("stores the link's token only as a hash", async () => {
    const link = await invite('hashed@example.com');
    const db = new DatabaseSync(dbPath, { readOnly: true });
    try {
      const hits = db.prepare('SELECT count(*) AS n FROM kv WHERE key LIKE ? OR value LIKE ?').get(`%${tokenOf(link)}%`, `%${tokenOf(link)}%`) as { n: number };
      assert.equal(hits.n, 0);
    } finally {
      db.close();
    }
    assert.ok(tokenOf(link).length >= 43, '256 random bits');
  });

  it('a GET (a mail scanner) shows the page but uses nothing; the button press redeems, once', async () => {
    const link = await invite('ivy@example.com');
    const scanner = new FormBrowser();
    for (let i = 0; i < 3; i += 1) {
      const response = await scanner.request(link);
      assert.equal(response.status, 200);
      assert.match(await response.text(), /Accept invitation/);
    }
    const listed = await getPage(running, admin, '/admin/invitations');
    assert.match(listed.html, /data-invitation="ivy@example.com"[\s\S]*?status-opened/);

    const invitee = new FormBrowser();
    const landing = await (await invitee.request(link)).text();
    const accept = await invitee.request(new URL(formAction(landing, '/invite/accept'), running.issuer), {
      form: { _csrf: inputValue(landing, '_csrf'), token: tokenOf(link) },
    });
    const create = await accept.text();
    assert.match(create, /Set up your sign-in/);
    assert.equal(inputValue(create, 'username'), 'ivy@example.com');
    const created = await invitee.request(new URL('/invite/create', running.issuer), {
      form: { _csrf: inputValue(create, '_csrf'), token: tokenOf(link), username: 'ivy', newPassword: 'Ivy#Garden2026', confirmPassword: 'Ivy#Garden2026' },
    });
    assert.equal(created.status, 303);
    assert.match(created.headers.get('location') ?? '', /\/auth\?client_id=admit-welcome.*prompt=login/);

    // The link is used up: the page and the button say so.
    const reused = await scanner.request(link);
    assert.equal(reused.status, 410);
    assert.match(await reused.text(), /already used/);
    const again = await invitee.request(new URL('/invite/create', running.issuer), {
      form: { _csrf: inputValue(create, '_csrf'), token: tokenOf(link), username: 'ivy2', newPassword: 'Ivy#Garden2026', confirmPassword: 'Ivy#Garden2026' },
    });
    assert.equal(again.status, 410);
    const accounts = await allInvitations(running, ['DEMO']);
    const ivy = accounts.find((invitation) => invitation.email === 'ivy@example.com');
    assert.equal(ivy?.status, 'redeemed');
    const { createAccountService } = await import('../../src/services/accounts.ts');
    const account = await createAccountService({ store: running.admit.store }).find(ivy!.end!.accountId!);
    assert.deepEqual(account?.groups, ['partners', 'billing']);
    assert.equal(account?.status, 'active');
    assert.equal(account?.email, 'ivy@example.com');
    assert.equal(account?.emailVerified, true);
  });

  it('twenty parallel redemptions of one link make exactly one account', async () => {
    const link = await invite('racer@example.com');
    const { invitations } = running.admit.approval;
    const { createAccountService } = await import('../../src/services/accounts.ts');
    const accounts = createAccountService({ store: running.admit.store });
    const before = (await accounts.listBySite('DEMO')).length;
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        invitations.redeem(tokenOf(link), {
          siteId: 'DEMO',
          directoryKind: 'local',
          identity: { externalId: `racer-${i}`, username: `racer${i}`, groups: [] },
        }),
      ),
    );
    assert.equal(outcomes.filter((outcome) => outcome.status === 'ok').length, 1, JSON.stringify(outcomes.map((o) => o.status)));
    assert.ok(outcomes.filter((outcome) => outcome.status !== 'ok').every((outcome) => outcome.status === 'used'));
    assert.equal((await accounts.listBySite('DEMO')).length, before + 1);
  });

  it('parallel presses of "Continue" make one local user and one account', async () => {
    const link = await invite('double@example.com');
    const invitee = new FormBrowser();
    const landing = await (await invitee.request(link)).text();
    const csrf = inputValue(landing, '_csrf');
    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        invitee.request(new URL('/invite/create', running.issuer), {
          form: { _csrf: csrf, token: tokenOf(link), username: `double${i}`, newPassword: 'Twin#Keys2026x', confirmPassword: 'Twin#Keys2026x' },
        }),
      ),
    );
    assert.equal(responses.filter((response) => response.status === 303).length, 1, responses.map((r) => r.status).join());
    const { createLocalDirectory } = await import('../../plugins/connector-local/local-directory.ts');
    const directory = createLocalDirectory({ store: running.admit.store, siteId: 'DEMO' });
    const users = await Promise.all(Array.from({ length: 6 }, (_, i) => directory.findUser(`double${i}`)));
    assert.equal(users.filter(Boolean).length, 1, 'no user left behind by the presses that lost');
  });

  it('an expired link says so and redeems nothing', async () => {
    const link = await invite('late@example.com');
    const invitation = (await allInvitations(running, ['DEMO'])).find((entry) => entry.email === 'late@example.com')!;
    const raw = JSON.parse((await running.admit.store.get(invitationKey(invitation.id)))!);
    await running.admit.store.set(invitationKey(invitation.id), JSON.stringify({ ...raw, expiresAt: new Date(Date.now() - 1000).toISOString() }));
    const response = await new FormBrowser().request(link);
    assert.equal(response.status, 410);
    assert.match(await response.text(), /has expired/);
    const outcome = await running.admit.approval.invitations.redeem(tokenOf(link), {
      siteId: 'DEMO',
      directoryKind: 'local',
      identity: { externalId: 'late', username: 'late', groups: [] },
    });
    assert.equal(outcome.status, 'expired');
    assert.match((await getPage(running, admin, '/admin/invitations')).html, /data-invitation="late@example.com"[\s\S]*?status-expired/);
  });

  it('resend makes a new link and kills the old one; revoke kills the link', async () => {
    const old = await invite('resent@example.com');
    const page = await getPage(running, admin, '/admin/invitations');
    const id = (await allInvitations(running, ['DEMO'])).find((entry) => entry.email === 'resent@example.com')!.id;
    const before = smtp.received.length;
    const { url } = await postForm(running, admin, page.html, `/admin/invitations/${id}/resend`);
    assert.equal(url.searchParams.get('notice'), 'resent');
    const fresh = linkIn(await waitForNewMail(smtp, 'resent@example.com', before));
    assert.notEqual(tokenOf(fresh), tokenOf(old));
    assert.equal((await new FormBrowser().request(old)).status, 404, 'the old link is dead');
    assert.equal((await new FormBrowser().request(fresh)).status, 200);

    const listing = await getPage(running, admin, '/admin/invitations');
    await postForm(running, admin, listing.html, `/admin/invitations/${id}/revoke`);
    assert.equal((await new FormBrowser().request(fresh)).status, 404);
    const outcome = await running.admit.approval.invitations.redeem(tokenOf(fresh), {
      siteId: 'DEMO',
      directoryKind: 'local',
      identity: { externalId: 'x', username: 'x', groups: [] },
    });
    assert.equal(outcome.status, 'invalid');
    const again = await getPage(running, admin, '/admin/invitations');
    assert.doesNotMatch(again.html, new RegExp(`/admin/invitations/${id}/resend`), 'no Resend button for a revoked invitation');
    const { url: after } = await admin.follow(`${running.issuer}/admin/invitations/${id}/resend`, undefined, {
      form: { _csrf: inputValue(again.html, '_csrf') },
    });
    assert.equal(after.searchParams.get('notice'), 'final', 'a revoked invitation is not resent');
  });

  it('refuses a redemption for another site, or by a directory account with another email', async () => {
    const link = await invite('bound@example.com');
    const { invitations } = running.admit.approval;
    assert.equal(
      (await invitations.redeem(tokenOf(link), { siteId: 'OTHER', directoryKind: 'local', identity: { externalId: 'o', username: 'o', groups: [] } })).status,
      'invalid',
    );
    assert.equal(
      (
        await invitations.redeem(tokenOf(link), {
          siteId: 'DEMO',
          directoryKind: 'local',
          identity: { externalId: 'm', username: 'm', email: 'mallory@example.com', groups: [] },
        })
      ).status,
      'email_mismatch',
    );
    assert.equal((await invitations.check(tokenOf(link))).status, 'ok', 'the link still works for the right person');
  });

  it('refuses bad input: unknown tokens, a missing CSRF token, a second open invitation, a bad email', async () => {
    for (const token of ['', 'short', 'x'.repeat(43), '../../etc/passwd', 'A'.repeat(500)]) {
      assert.equal((await new FormBrowser().request(`${running.issuer}/invite?token=${encodeURIComponent(token)}`)).status, 404, token);
    }
    const link = await invite('csrf@example.com');
    const noToken = await new FormBrowser().request(new URL('/invite/accept', running.issuer), { form: { token: tokenOf(link) } });
    assert.equal(noToken.status, 403);
    const page = await getPage(running, admin, '/admin/invitations');
    const { response } = await postForm(running, admin, page.html, '/admin/invitations', { email: 'csrf@example.com', site: 'DEMO', role: 'user', groups: '' });
    assert.equal(response.status, 400);
    assert.match(await response.text(), /already has an open invitation/);
    const bad = await postForm(running, admin, page.html, '/admin/invitations', { email: 'not-an-email', site: 'DEMO', role: 'user', groups: '' });
    assert.equal(bad.response.status, 400);
    const role = await postForm(running, admin, page.html, '/admin/invitations', { email: 'r@example.com', site: 'DEMO', role: 'owner', groups: '' });
    assert.equal(role.response.status, 400);
  });
});
