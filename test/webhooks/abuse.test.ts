import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { consoleSignIn, getPage, makeAdmin, postForm } from '../admin/console-support.ts';
import { rpClient, signInAtRp } from '../registration/support.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser, inputValue } from '../support/form-browser.ts';
import { freePort } from '../support/free-port.ts';
import { type Receiver, startReceiver } from './receiver.ts';
import { addWebhook, postFields, secretIn } from './support.ts';

const sites = [
  { id: 'DEMO', displayName: 'Demo', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false } },
  { id: 'SIDE', displayName: 'Side', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false } },
];

/** Disables a fresh user of the site through the console: one user.disabled event. */
async function disableSomeone(running: RunningAdmit, admin: FormBrowser, site: string, username: string): Promise<string> {
  await createLocalDirectory({ store: running.admit.store, siteId: site }).addUser({
    username,
    password: 'Some#Password2026',
    email: `${username}@example.com`,
  });
  assert.ok((await signInAtRp(running, new FormBrowser(), { username, password: 'Some#Password2026', site })).url.searchParams.get('code'));
  const account = (await createAccountService({ store: running.admit.store }).findByUsername(site, username))!;
  const page = await getPage(running, admin, `/admin/users/${account.id}`);
  await postForm(running, admin, page.html, `/admin/users/${account.id}/disable`);
  return account.id;
}

describe('event webhooks: refused URLs, CSRF, other sites, a hanging receiver, signatures, secrets at rest', () => {
  let running: RunningAdmit;
  let receiver: Receiver;
  const gina = new FormBrowser();
  const sam = new FormBrowser();
  let dbPath: string;

  beforeAll(async () => {
    receiver = await startReceiver();
    running = await startAdmit({
      config: { sites, clients: [rpClient], outbox: { retryBaseSeconds: 0.2, retryMaxSeconds: 1, pollMs: 100, leaseSeconds: 10, holdSeconds: 1 } },
    });
    dbPath = running.config.store.url.replace(/^sqlite:/, '');
    await consoleSignIn(running, gina, await makeAdmin(running, { site: 'DEMO', username: 'gina', adminSites: ['*'] }));
    await consoleSignIn(running, sam, await makeAdmin(running, { site: 'SIDE', username: 'sam', adminSites: ['SIDE'] }));
  });
  afterAll(async () => {
    await running?.stop();
    await receiver?.close();
  });

  const count = async () => (await running.admit.webhooks.list({ sites: ['DEMO', 'SIDE'] }, { limit: 100 })).items.length;

  it('refuses a URL that is not http(s), has credentials in it or points at a private address, with a sentence; nothing is saved', async () => {
    const page = await getPage(running, gina, '/admin/webhooks');
    for (const [url, message] of [
      ['ftp://hooks.example.com/x', /Use an http:\/\/ or https:\/\/ endpoint URL/],
      ['javascript:alert(1)', /Use an http:\/\/ or https:\/\/ endpoint URL/],
      ['not a url', /Enter the full endpoint URL/],
      ['https://user:pw@hooks.example.com/', /Leave the user name and password out/],
      ['https://10.1.2.3/hook', /loopback or private address/],
      ['https://192.168.0.10/hook', /loopback or private address/],
      ['https://169.254.169.254/latest/meta-data', /loopback or private address/],
      ['https://[fd00::1]/hook', /loopback or private address/],
      ['http://app.localhost/hook', /loopback or private address/],
    ] as const) {
      const response = await postFields(running, gina, '/admin/webhooks', [
        ['_csrf', inputValue(page.html, '_csrf')],
        ['site', 'DEMO'],
        ['url', url],
        ['events', 'user.disabled'],
      ]);
      const html = await response.text();
      assert.equal(response.status, 400, url);
      assert.match(html, message, url);
      assert.equal(secretIn(html), undefined);
    }
    const noEvents = await postFields(running, gina, '/admin/webhooks', [
      ['_csrf', inputValue(page.html, '_csrf')],
      ['site', 'DEMO'],
      ['url', 'https://hooks.example.com/'],
    ]);
    assert.equal(noEvents.status, 400);
    assert.match(await noEvents.text(), /Choose at least one event/);
    const unknownEvent = await postFields(running, gina, '/admin/webhooks', [
      ['_csrf', inputValue(page.html, '_csrf')],
      ['site', 'DEMO'],
      ['url', 'https://hooks.example.com/'],
      ['events', 'user.deleted'],
    ]);
    assert.match(await unknownEvent.text(), /Choose events from the list/);
    assert.equal(await count(), 0, 'nothing was saved');
  });

  it('in production: https only, and no loopback address even on this machine', async () => {
    const production = { sites: ['DEMO'], label: 'test' };
    const { createWebhookService } = await import('../../src/services/webhooks/webhook-service.ts');
    const { createSubscriptionStore } = await import('../../src/services/webhooks/subscription-store.ts');
    const service = createWebhookService({
      store: running.admit.store,
      subscriptions: createSubscriptionStore({ store: running.admit.store, masterSecret: 'another-master-secret-0123456789-abcdef' }),
      outbox: running.admit.outbox,
      urlRule: { production: true, allowLoopback: false },
      audit: { record: () => undefined },
      siteIds: () => ['DEMO'],
    });
    for (const [url, message] of [
      ['http://hooks.example.com/', /Use an https:\/\/ endpoint URL/],
      ['https://127.0.0.1:8443/', /loopback or private address/],
      ['https://localhost/', /loopback or private address/],
      ['https://[::1]/', /loopback or private address/],
    ] as const) {
      const outcome = await service.create(undefined, production, { site: 'DEMO', url, events: ['user.created'] });
      assert.equal(outcome.status, 'invalid', url);
      assert.match((outcome as { message: string }).message, message, url);
    }
    const fine = await service.create(undefined, production, { site: 'DEMO', url: 'https://hooks.example.com/admit', events: ['user.created'] });
    assert.equal(fine.status, 'ok');
    await service.remove(undefined, production, (fine as { subscription: { id: string } }).subscription.id);
  });

  it('refuses the forms without the CSRF token: nothing created, disabled or deleted', async () => {
    const made = await addWebhook(running, gina, { site: 'DEMO', url: receiver.url('/csrf'), events: ['user.created'] });
    const before = await count();
    for (const [path, fields] of [
      [
        '/admin/webhooks',
        [
          ['site', 'DEMO'],
          ['url', receiver.url('/x')],
          ['events', 'user.created'],
        ],
      ],
      [`/admin/webhooks/${made.id}/disable`, []],
      [`/admin/webhooks/${made.id}/rotate-secret`, []],
      [`/admin/webhooks/${made.id}/delete`, []],
    ] as const) {
      const response = await postFields(running, gina, path, [...fields] as [string, string][]);
      assert.equal(response.status, 403, path);
      assert.equal(secretIn(await response.text()), undefined);
    }
    assert.equal(await count(), before);
    const still = await running.admit.webhooks.get({ sites: ['DEMO'] }, made.id);
    assert.equal(still?.enabled, true);
    assert.equal(still?.secretCreatedAt, still?.createdAt, 'the secret was not rotated');
    await running.admit.webhooks.remove(undefined, { sites: ['DEMO'], label: 'test' }, made.id);
  });

  it("another site's admin neither sees nor changes a subscription (404), nor adds one for that site", async () => {
    const made = await addWebhook(running, gina, { site: 'DEMO', url: receiver.url('/demo-only'), events: ['user.created'] });
    const page = await getPage(running, sam, '/admin/webhooks');
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.html, /demo-only/);
    assert.doesNotMatch(page.html, new RegExp(made.id));
    assert.doesNotMatch(page.html, /<option value="DEMO"/, 'the form offers only their sites');
    for (const action of ['disable', 'enable', 'rotate-secret', 'delete']) {
      const response = await postFields(running, sam, `/admin/webhooks/${made.id}/${action}`, [['_csrf', inputValue(page.html, '_csrf')]]);
      assert.equal(response.status, 404, action);
    }
    const forDemo = await postFields(running, sam, '/admin/webhooks', [
      ['_csrf', inputValue(page.html, '_csrf')],
      ['site', 'DEMO'],
      ['url', receiver.url('/sneaky')],
      ['events', 'user.created'],
    ]);
    assert.equal(forDemo.status, 404);
    const after = await running.admit.webhooks.get({ sites: ['DEMO'] }, made.id);
    assert.equal(after?.enabled, true, 'unchanged');
    assert.equal(after?.secretCreatedAt, after?.createdAt, 'the secret was not rotated');
    const refused = await getPage(running, gina, '/admin/audit?action=admin.webhook');
    assert.match(refused.html, /admin\.webhook\.delete<\/td>\s*<td>not_found<\/td>/, 'the refusals are audited');
    await running.admit.webhooks.remove(undefined, { sites: ['DEMO'], label: 'test' }, made.id);
  });

  it('the secret is shown once: not on the page again, not in the store in clear; a tampered request fails verification', async () => {
    const made = await addWebhook(running, gina, { site: 'DEMO', url: receiver.url('/secret'), events: ['user.disabled'] });
    receiver.secrets.push(made.secret);
    const again = await getPage(running, gina, '/admin/webhooks');
    assert.doesNotMatch(again.html, new RegExp(made.secret.slice(6, 30).replace(/[+/]/g, '.')));
    assert.equal(secretIn(again.html), undefined);
    const db = new DatabaseSync(dbPath, { readOnly: true });
    try {
      const key = made.secret.slice('whsec_'.length);
      for (const needle of [made.secret, key, Buffer.from(key, 'base64').toString('hex')]) {
        const hits = db.prepare('SELECT count(*) AS n FROM kv WHERE value LIKE ?').get(`%${needle}%`) as { n: number };
        assert.equal(hits.n, 0, 'no copy of the secret in the store');
      }
    } finally {
      db.close();
    }

    await disableSomeone(running, gina, 'DEMO', 'tess');
    const event = await receiver.waitFor((candidate) => candidate.type === 'user.disabled' && candidate.data.user.username === 'tess');
    const delivery = receiver.attemptsOf(event.id).at(-1)!;
    const headers = { 'webhook-id': delivery.id, 'webhook-timestamp': delivery.timestamp, 'webhook-signature': delivery.signature };
    const hook = new Webhook(made.secret);
    assert.deepEqual(hook.verify(delivery.body, headers), { type: event.type, timestamp: event.timestamp, data: event.data });
    assert.throws(() => hook.verify(delivery.body.replace('tess', 'tesx'), headers), /No matching signature/);
    assert.throws(() => hook.verify(delivery.body, { ...headers, 'webhook-id': 'another-id' }), /No matching signature/);
    assert.throws(() => hook.verify(delivery.body, { ...headers, 'webhook-signature': `v1,${Buffer.alloc(32).toString('base64')}` }), /No matching signature/);
    assert.throws(() => new Webhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`).verify(delivery.body, headers), /No matching signature/);
    const old = String(Math.floor(Date.now() / 1000) - 600);
    assert.throws(() => hook.verify(delivery.body, { ...headers, 'webhook-timestamp': old }), /too old/);

    // Rotated: the page shows the new secret once; deliveries carry both signatures for the overlap.
    const page = await getPage(running, gina, '/admin/webhooks');
    const { response } = await postForm(running, gina, page.html, `/admin/webhooks/${made.id}/rotate-secret`);
    const rotated = secretIn(await response.text());
    assert.ok(rotated && rotated !== made.secret);
    await disableSomeone(running, gina, 'DEMO', 'toby');
    const next = await receiver.waitFor((candidate) => candidate.type === 'user.disabled' && candidate.data.user.username === 'toby');
    const signed = receiver.attemptsOf(next.id).at(-1)!;
    assert.equal(signed.signature.split(' ').length, 2);
    for (const secret of [rotated, made.secret])
      new Webhook(secret).verify(signed.body, { 'webhook-id': signed.id, 'webhook-timestamp': signed.timestamp, 'webhook-signature': signed.signature });
    await running.admit.webhooks.remove(undefined, { sites: ['DEMO'], label: 'test' }, made.id);
  });

  it('a receiver that hangs: the attempt times out, admit keeps answering, the retry (same id) is delivered once it answers', async () => {
    const made = await addWebhook(running, gina, { site: 'SIDE', url: receiver.url('/hang'), events: ['user.disabled'] });
    receiver.secrets.push(made.secret);
    receiver.hang();
    const started = Date.now();
    await disableSomeone(running, gina, 'SIDE', 'hana');
    // While the receiver holds the request open, admit answers its pages.
    const health = await fetch(`${running.issuer}/healthz`);
    assert.equal(health.status, 200);
    assert.ok(Date.now() - started < 2000, 'the disable did not wait for the receiver');
    const [message] = (await running.admit.webhooks.deliveries({ sites: ['SIDE'] }, made.id)) ?? [];
    assert.ok(message);
    for (;;) {
      const [now] = (await running.admit.webhooks.deliveries({ sites: ['SIDE'] }, made.id))!;
      if (now?.lastError) {
        assert.match(now.lastError, /no answer in time/);
        break;
      }
      assert.ok(Date.now() - started < 8000, 'the hanging attempt was cut off');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    receiver.answer();
    const event = await receiver.waitFor((candidate) => candidate.type === 'user.disabled' && candidate.data.user.username === 'hana');
    const attempts = receiver.attemptsOf(event.id);
    assert.ok(attempts.length >= 2 && attempts[0]!.answered === 'hung' && attempts.at(-1)!.answered === 200);
    assert.equal(new Set(attempts.map((attempt) => attempt.id)).size, 1, 'one webhook-id across attempts');
    const page = await getPage(running, gina, '/admin/webhooks');
    assert.match(page.html, /data-delivery="[^"]+"[\s\S]*?user\.disabled[\s\S]*?Delivered/);
  });

  it('disabling cancels what is pending; a disabled or deleted subscription gets nothing', async () => {
    // A receiver that is down (nothing listens): its delivery keeps failing, until the webhook is disabled.
    const down = await addWebhook(running, gina, { site: 'SIDE', url: `http://127.0.0.1:${await freePort()}/down`, events: ['user.disabled'] });
    await disableSomeone(running, gina, 'SIDE', 'dora');
    const failing = async () => ((await running.admit.webhooks.deliveries({ sites: ['SIDE'] }, down.id)) ?? [])[0];
    for (let tries = 0; !(await failing())?.lastError; tries += 1) {
      assert.ok(tries < 100, 'the first attempt failed');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.match((await failing())!.lastError!, /receiver unreachable/);
    const listed = await getPage(running, gina, '/admin/webhooks');
    await postForm(running, gina, listed.html, `/admin/webhooks/${down.id}/disable`);
    for (let tries = 0; (await failing())?.state !== 'cancelled'; tries += 1) {
      assert.ok(tries < 200, `the pending delivery is cancelled: ${JSON.stringify(await failing())}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const made = await addWebhook(running, gina, { site: 'SIDE', url: receiver.url('/off'), events: ['user.disabled'] });
    receiver.secrets.push(made.secret);
    let page = await getPage(running, gina, '/admin/webhooks');
    const { url } = await postForm(running, gina, page.html, `/admin/webhooks/${made.id}/disable`);
    assert.equal(url.searchParams.get('done'), 'disabled');
    page = await getPage(running, gina, '/admin/webhooks');
    assert.match(page.html, new RegExp(`data-webhook="${made.id}"[\\s\\S]*?Disabled`));
    const before = receiver.deliveries.filter((delivery) => delivery.path === '/off').length;
    await disableSomeone(running, gina, 'SIDE', 'otto');
    await running.admit.outboxWorker.drain();
    assert.equal(receiver.deliveries.filter((delivery) => delivery.path === '/off').length, before, 'nothing for a disabled webhook');
    const deleted = await postForm(running, gina, page.html, `/admin/webhooks/${made.id}/delete`);
    assert.equal(deleted.url.searchParams.get('done'), 'deleted');
    assert.equal(await running.admit.webhooks.get({ sites: ['SIDE'] }, made.id), undefined);
    const audit = await getPage(running, gina, '/admin/audit?action=admin.webhook');
    for (const action of ['create', 'update', 'delete', 'rotate_secret']) assert.match(audit.html, new RegExp(`admin\\.webhook\\.${action}<`), action);
  });

  it('pages the list with cursors and refuses a cursor it did not make; a site has at most 20 webhooks', async () => {
    const actor = { sites: ['DEMO'], label: 'test' };
    for (let i = 0; i < 20; i += 1) {
      const made = await running.admit.webhooks.create(undefined, actor, { site: 'DEMO', url: `https://hooks${i}.example.com/`, events: ['user.created'] });
      assert.equal(made.status, 'ok');
    }
    const over = await running.admit.webhooks.create(undefined, actor, { site: 'DEMO', url: 'https://one-more.example.com/', events: ['user.created'] });
    assert.equal(over.status, 'limit');
    const first = await running.admit.webhooks.list(actor, { limit: 15 });
    assert.equal(first.items.length, 15);
    assert.equal(first.items[0]!.url, 'https://hooks19.example.com/', 'newest first');
    const second = await running.admit.webhooks.list(actor, { limit: 15, after: first.next });
    assert.equal(second.items.length, 5);
    assert.equal(second.next, undefined);
    assert.equal(new Set([...first.items, ...second.items].map((item) => item.id)).size, 20);
    const page = await getPage(running, gina, '/admin/webhooks');
    assert.match(page.html, /More webhooks/);
    const bad = await getPage(running, gina, '/admin/webhooks?after=%3Cscript%3E');
    assert.equal(bad.status, 400);
    assert.match(bad.html, /Start again from the first page/);
  });
});
