import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { consoleSignIn, getPage, makeAdmin, postForm } from '../admin/console-support.ts';
import { rpClient, signInAtRp } from '../registration/support.ts';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';
import { FormBrowser } from '../support/form-browser.ts';
import { type RunningRedis, startRedis } from '../support/redis-server.ts';
import { type Receiver, startReceiver } from './receiver.ts';
import { addWebhook } from './support.ts';

/**
 * The same delivery on Redis Cluster (one node owning every slot: a write
 * across hash tags would fail there): subscription, event, a refused first
 * attempt, the retry with the same id, a restart in between.
 */
describe('event webhooks on Redis Cluster', () => {
  let redis: RunningRedis;
  let running: RunningAdmit;
  let receiver: Receiver;
  const admin = new FormBrowser();

  beforeAll(async () => {
    [redis, receiver] = await Promise.all([startRedis({ cluster: true }), startReceiver({ failFirst: true })]);
    running = await startAdmit({
      store: redis.url,
      config: {
        store: { url: redis.url, redis: { keyPrefix: 'admit-webhooks:', cluster: [{ host: '127.0.0.1', port: redis.port }] } },
        sites: [{ id: 'DEMO', displayName: 'Demo', directory: { kind: 'local' }, signIn: { changePasswordAtFirstSignIn: false } }],
        clients: [rpClient],
        outbox: { retryBaseSeconds: 0.5, retryMaxSeconds: 1, pollMs: 100 },
      },
    });
    await consoleSignIn(running, admin, await makeAdmin(running, { site: 'DEMO', username: 'gina', adminSites: ['DEMO'] }));
  });
  afterAll(async () => {
    await running?.stop();
    await receiver?.close();
    await redis?.stop();
  });

  it('signs, retries with the same webhook-id, and delivers each event once, across a restart', async () => {
    const made = await addWebhook(running, admin, { site: 'DEMO', url: receiver.url('/redis'), events: ['user.created', 'user.disabled'] });
    receiver.secrets.push(made.secret);
    await createLocalDirectory({ store: running.admit.store, siteId: 'DEMO' }).addUser({
      username: 'rhea',
      password: 'Rhea#Redis2026',
      email: 'rhea@example.com',
    });
    assert.ok((await signInAtRp(running, new FormBrowser(), { username: 'rhea', password: 'Rhea#Redis2026', site: 'DEMO' })).url.searchParams.get('code'));
    const created = await receiver.waitFor((event) => event.type === 'user.created' && event.data.user.username === 'rhea');
    assert.deepEqual(
      receiver.attemptsOf(created.id).map((attempt) => [attempt.answered, attempt.verified]),
      [
        [500, true],
        [200, true],
      ],
    );

    // The disable's first attempt is refused; admit restarts before the retry, which a fresh process delivers.
    const rhea = (await createAccountService({ store: running.admit.store }).findByUsername('DEMO', 'rhea'))!;
    const page = await getPage(running, admin, `/admin/users/${rhea.id}`);
    await postForm(running, admin, page.html, `/admin/users/${rhea.id}/disable`);
    for (let tries = 0; !receiver.deliveries.some((delivery) => delivery.body.includes('"user.disabled"')); tries += 1) {
      assert.ok(tries < 200, 'the first attempt came');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await running.restart();
    const disabled = await receiver.waitFor((event) => event.type === 'user.disabled');
    assert.equal(disabled.data.user.id, rhea.id);
    const attempts = receiver.attemptsOf(disabled.id);
    assert.equal(attempts.at(-1)!.answered, 200);
    assert.ok(attempts.every((attempt) => attempt.verified && attempt.id === disabled.id));
    await running.admit.outboxWorker.drain();
    assert.equal([...receiver.events.values()].filter((event) => event.type === 'user.disabled').length, 1, 'seen once');
    const listed = await getPage(running, admin, '/admin/webhooks');
    assert.match(listed.html, /user\.disabled[\s\S]*?Delivered/);
  });
});
