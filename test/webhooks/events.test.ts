import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { WEBHOOK_EVENT_TYPES } from '../../src/services/webhooks/event-types.ts';
import { consoleSignIn, getPage, makeAdmin, postForm } from '../admin/console-support.ts';
import { linkIn, tokenOf, waitForNewMail } from '../invitations/support.ts';
import { buttonValue, FlowDriver, MFA_RP_SECRET, REDIRECT_URI } from '../mfa/flow-driver.ts';
import { captureNotifier, codeIn } from '../mfa/harness.ts';
import { rpClient, sendDetails, signInAtRp, verifyEmail } from '../registration/support.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, formAction, inputValue } from '../support/form-browser.ts';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.ts';
import { type Receiver, startReceiver, type WebhookEvent } from './receiver.ts';
import { addWebhook } from './support.ts';

const sites = [
  {
    id: 'DEMO',
    displayName: 'Demo site',
    directory: { kind: 'local' },
    signIn: { changePasswordAtFirstSignIn: false, maxFailedAttempts: 3 },
    signUp: { mode: 'approval' },
  },
  // Open sign-up: a first sign-in makes the account.
  { id: 'OPEN', displayName: 'Open site', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false, maxFailedAttempts: 3 } },
  { id: 'MFA', displayName: 'MFA site', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false }, mfa: { required: true } },
  { id: 'ADMINS', displayName: 'Admins', directory: { kind: 'local' } },
];
const details = (username: string, name: string) => ({
  name,
  organisation: 'Acme Utilities',
  reason: 'Meter data',
  username,
  password: 'Rita#Meters2026',
  confirmPassword: 'Rita#Meters2026',
});

/**
 * Every event type, each from the action a person or an admin takes, on
 * SQLite, to a real receiver that verifies each signature with
 * standardwebhooks and answers 500 to the first attempt of every message:
 * each event arrives after a retry, with the same webhook-id and a valid
 * signature both times, and is seen once.
 */
describe('event webhooks: each event from its real action, signed, retried, seen once', () => {
  let running: RunningAdmit;
  let smtp: TestSmtpServer;
  let receiver: Receiver;
  const sms = captureNotifier();
  const admin = new FormBrowser();

  beforeAll(async () => {
    smtp = await startSmtpServer();
    receiver = await startReceiver({ failFirst: true });
    running = await startAdmit({
      compose: { notifierLog: sms.log },
      config: {
        sites,
        clients: [rpClient, { ...rpClient, client_id: 'mfa-rp', client_secret: MFA_RP_SECRET, redirect_uris: [REDIRECT_URI] }],
        mail: { transport: smtp.url },
        outbox: { retryBaseSeconds: 0.2, retryMaxSeconds: 1, pollMs: 100 },
      },
    });
    await consoleSignIn(running, admin, await makeAdmin(running, { site: 'ADMINS', username: 'gina', adminSites: ['*'] }));
    for (const site of ['DEMO', 'OPEN', 'MFA']) {
      const added = await addWebhook(running, admin, { site, url: receiver.url(`/${site}`), events: WEBHOOK_EVENT_TYPES });
      receiver.secrets.push(added.secret);
    }
  });
  afterAll(async () => {
    await running?.stop();
    await receiver?.close();
    await smtp?.stop();
  });

  /** The event, after its first attempt was refused: the retry carried the same id, both attempts signed validly. */
  async function delivered(type: string, match: (event: WebhookEvent) => boolean): Promise<WebhookEvent> {
    const event = await receiver.waitFor((candidate) => candidate.type === type && match(candidate));
    const attempts = receiver.attemptsOf(event.id);
    assert.deepEqual(
      attempts.map((attempt) => attempt.answered),
      [500, 200],
      `${type}: refused once, then delivered with the same webhook-id`,
    );
    assert.ok(
      attempts.every((attempt) => attempt.verified),
      `${type}: every attempt's signature verifies`,
    );
    assert.ok(Math.abs(Date.parse(event.timestamp) - Date.now()) < 60_000, `${type}: the event's time`);
    return event;
  }
  const forUser = (username: string) => (event: WebhookEvent) => event.data.user.username === username;

  it('a registration request: user.created (pending) and access_request.submitted; approving it: access_request.approved', async () => {
    const browser = new FormBrowser();
    const page = await verifyEmail(running, smtp, browser, 'DEMO', 'rita@example.com');
    await sendDetails(running, browser, page, details('rita', 'Rita Requester'));
    const created = await delivered('user.created', forUser('rita'));
    assert.equal(created.data.status, 'pending_approval');
    assert.equal(created.data.site, 'DEMO');
    const submitted = await delivered('access_request.submitted', forUser('rita'));
    assert.equal(submitted.data.email, 'rita@example.com');
    assert.equal(submitted.data.user.id, created.data.user.id);

    const queue = await getPage(running, admin, '/admin/approvals');
    const requestId = /data-request="([^"]+)"/.exec(queue.html)![1]!;
    const { url } = await postForm(running, admin, queue.html, `/admin/approvals/${requestId}/approve`);
    assert.equal(url.searchParams.get('notice'), 'approved');
    const approved = await delivered('access_request.approved', forUser('rita'));
    assert.equal(approved.data.request, requestId);
    assert.equal(approved.data.actor, 'gina@ADMINS');
  });

  it('denying a request: access_request.denied with the reason', async () => {
    const browser = new FormBrowser();
    const page = await verifyEmail(running, smtp, browser, 'DEMO', 'dan@example.com');
    await sendDetails(running, browser, page, details('dan', 'Dan Denied'));
    const queue = await getPage(running, admin, '/admin/approvals');
    const requestId = /data-request="([^"]+)"[\s\S]*?Dan Denied/.exec(queue.html)![1]!;
    await postForm(running, admin, queue.html, `/admin/approvals/${requestId}/deny`, { reason: 'No contract' });
    const denied = await delivered('access_request.denied', forUser('dan'));
    assert.equal(denied.data.reason, 'No contract');
  });

  it('an invitation redeemed by a new local user: invitation.redeemed and user.created (active)', async () => {
    const before = smtp.received.length;
    const form = await getPage(running, admin, '/admin/invitations');
    await postForm(running, admin, form.html, '/admin/invitations', {
      email: 'ivy@example.com',
      name: 'Ivy',
      site: 'DEMO',
      role: 'user',
      groups: '',
      days: '',
    });
    const link = linkIn(await waitForNewMail(smtp, 'ivy@example.com', before));
    const invitee = new FormBrowser();
    const landing = await (await invitee.request(link)).text();
    const create = await (
      await invitee.request(new URL(formAction(landing, '/invite/accept'), running.issuer), {
        form: { _csrf: inputValue(landing, '_csrf'), token: tokenOf(link) },
      })
    ).text();
    const made = await invitee.request(new URL('/invite/create', running.issuer), {
      form: { _csrf: inputValue(create, '_csrf'), token: tokenOf(link), username: 'ivy', newPassword: 'Ivy#Garden2026', confirmPassword: 'Ivy#Garden2026' },
    });
    assert.equal(made.status, 303);
    const redeemed = await delivered('invitation.redeemed', forUser('ivy'));
    assert.equal(redeemed.data.email, 'ivy@example.com');
    assert.equal((await delivered('user.created', forUser('ivy'))).data.status, 'active');
  });

  it('three wrong passwords: sign_in.locked, once', async () => {
    await createLocalDirectory({ store: running.admit.store, siteId: 'OPEN' }).addUser({
      username: 'lou',
      password: 'Lou#Locked2026',
      email: 'lou@example.com',
    });
    for (let i = 0; i < 5; i += 1) await signInAtRp(running, new FormBrowser(), { username: 'lou', password: 'wrong-password', site: 'OPEN' });
    const locked = await delivered('sign_in.locked', forUser('lou'));
    assert.equal(locked.data.maxFailedAttempts, 3);
    await running.admit.outboxWorker.drain();
    assert.equal([...receiver.events.values()].filter((event) => event.type === 'sign_in.locked').length, 1, 'the guesses after the lock lock nothing new');
  });

  it("the console's Disable: user.disabled, with the admin who did it", async () => {
    await createLocalDirectory({ store: running.admit.store, siteId: 'OPEN' }).addUser({
      username: 'uma',
      password: 'Uma#Userpass2026',
      email: 'uma@example.com',
    });
    assert.ok((await signInAtRp(running, new FormBrowser(), { username: 'uma', password: 'Uma#Userpass2026', site: 'OPEN' })).url.searchParams.get('code'));
    const uma = (await createAccountService({ store: running.admit.store }).findByUsername('OPEN', 'uma'))!;
    const page = await getPage(running, admin, `/admin/users/${uma.id}`);
    const { url } = await postForm(running, admin, page.html, `/admin/users/${uma.id}/disable`);
    assert.equal(url.searchParams.get('notice'), 'disabled');
    // The first sign-in made the account: user.created, from an open site's sign-in.
    assert.equal((await delivered('user.created', forUser('uma'))).data.status, 'active');
    const disabled = await delivered('user.disabled', forUser('uma'));
    assert.equal(disabled.data.user.id, uma.id);
    assert.equal(disabled.data.actor, 'gina@ADMINS');
    assert.equal(disabled.data.reason, 'admin');
  });

  it("the portal's Change Password: password.changed", async () => {
    await createLocalDirectory({ store: running.admit.store, siteId: 'OPEN' }).addUser({
      username: 'pia',
      password: 'Pia#Initial2026',
      email: 'pia@example.com',
    });
    const browser = new FormBrowser();
    let { response, url } = await browser.follow(`${running.issuer}/portal/password`);
    let html = await response.text();
    ({ response, url } = await browser.follow(new URL(formAction(html, '/login'), url), undefined, {
      form: { _csrf: inputValue(html, '_csrf'), username: 'pia', password: 'Pia#Initial2026', site: 'OPEN' },
    }));
    html = await response.text();
    assert.equal(url.pathname, '/portal/password', html.slice(0, 300));
    await browser.follow(new URL(formAction(html, '/portal/password'), running.issuer), undefined, {
      form: { _csrf: inputValue(html, '_csrf'), oldPassword: 'Pia#Initial2026', newPassword: 'Pia#Changed2026!', confirmPassword: 'Pia#Changed2026!' },
    });
    const changed = await delivered('password.changed', forUser('pia'));
    assert.equal(changed.data.site, 'OPEN');
  });

  it('MFA: a phone enrolled at sign-in (mfa.device_added), then removed in the portal (mfa.device_removed)', async () => {
    await createLocalDirectory({ store: running.admit.store, siteId: 'MFA' }).addUser({
      username: 'mia',
      password: 'Mia#Factors2026',
      email: 'mia@example.com',
    });
    const d = new FlowDriver(running, 'mfa-rp');
    await d.authorize();
    const number = '+12015550177';
    assert.match((await d.signIn('mia', 'Mia#Factors2026', 'MFA')).url.pathname, /\/mfa\/start$/);
    await d.submit('/mfa/start', { trustShown: '1' });
    await d.submit('/mfa/device', { type: 'mobile' });
    await d.submit('/mfa/phone', { country: 'US', number });
    await d.submit('/mfa/phone', { country: 'US', number, confirmed: 'on' });
    await d.submit('/mfa/verify-phone', { action: 'sms' });
    await d.submit('/mfa/verify-phone', { action: 'verify', code: codeIn(sms.last(number)) });
    await d.submit('/mfa/phone-type', { platform: 'other' });
    await d.submit('/mfa/recovery', { action: 'skip' });
    const choose = await d.submit('/mfa/settings', { action: 'continue', trustShown: '1' });
    await d.submit('/mfa/choose', { method: buttonValue(choose.html, 'Text me'), trustShown: '1' });
    const done = await d.submit('/mfa/code', { action: 'verify', code: codeIn(sms.last(number)), trustShown: '1' });
    assert.ok(done.callback, `back at the application: ${done.url.pathname} ${done.html.slice(0, 300)}`);
    const added = await delivered('mfa.device_added', forUser('mia'));
    assert.equal(added.data.type, 'mobile');
    assert.equal(added.data.site, 'MFA');

    // A second device, as the wizard's "add" would save it, so the phone is not the last one.
    const accountId = added.data.user.id!;
    const who = (await running.admit.mfa.subject(accountId))!;
    const tablet = running.admit.mfa.enrollment.newTotpSecret(who);
    await running.admit.mfa.manage.add(
      undefined,
      who,
      {
        id: 'tablet-1',
        type: 'tablet',
        name: 'iPad',
        platform: 'iphone',
        totp: { sealedSecret: tablet.sealed },
        createdAt: new Date().toISOString(),
      },
      { verifiedAt: Date.now() },
    );
    const phone = (await running.admit.mfa.devices.list(accountId)).find((device) => device.type === 'mobile')!;
    // The portal, in the browser that just signed in with a text code (a fresh second factor).
    const { response, url } = await d.browser.follow(`${running.issuer}/portal/devices/${phone.id}/remove`);
    const confirm = await response.text();
    assert.equal(url.pathname, `/portal/devices/${phone.id}/remove`, confirm.slice(0, 300));
    const removed = await d.browser.follow(new URL(formAction(confirm, `/portal/devices/${phone.id}/remove`), running.issuer), undefined, {
      form: { _csrf: inputValue(confirm, '_csrf') },
    });
    assert.equal(removed.url.pathname, '/portal/devices', (await removed.response.text()).slice(0, 300));
    const gone = await delivered('mfa.device_removed', forUser('mia'));
    assert.equal(gone.data.type, 'mobile');
    assert.equal(gone.data.reason, 'removed');
  });

  it('saw every event type, each message once, and nothing it could not verify', async () => {
    await running.admit.outboxWorker.drain();
    const seen = new Set([...receiver.events.values()].map((event) => event.type));
    assert.deepEqual([...seen].sort(), [...WEBHOOK_EVENT_TYPES].sort());
    for (const type of WEBHOOK_EVENT_TYPES) assert.ok(seen.has(type), `${type} was delivered`);
    assert.ok(
      receiver.deliveries.every((delivery) => delivery.verified),
      'every request carried a valid signature',
    );
    // One accepted delivery per webhook-id, and one webhook-id per audit entry and subscription.
    const accepted = receiver.deliveries.filter((delivery) => delivery.answered === 200);
    assert.equal(new Set(accepted.map((delivery) => delivery.id)).size, accepted.length);
    const audits = [...receiver.events.values()].map((event) => `${event.data.auditEventId}:${event.data.site}`);
    assert.equal(new Set(audits).size, audits.length, 'an audit entry became one message per subscription');
  });
});
