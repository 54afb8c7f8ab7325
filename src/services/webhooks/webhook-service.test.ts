import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Store } from '../../store/port.ts';
import { createSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import type { AuditEvent } from '../audit/audit-event.ts';
import { createOutbox } from '../outbox/outbox.ts';
import { createSubscriptionStore } from './subscription-store.ts';
import { createWebhookService, type WebhookService } from './webhook-service.ts';

const SECRET = 'test-master-secret-0123456789-abcdefghij';

describe('the webhook service: site scope, validation, audit', () => {
  let dir: string;
  let store: Store;
  let service: WebhookService;
  const audited: AuditEvent[] = [];
  const both = { label: 'gina@DEMO', sites: ['DEMO', 'SIDE'] };
  const side = { label: 'sam@SIDE', sites: ['SIDE'] };
  const last = () => audited.at(-1)!;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'admit-webhook-service-'));
    store = createSqliteStore({ path: join(dir, 'admit.db') });
    service = createWebhookService({
      store,
      subscriptions: createSubscriptionStore({ store, masterSecret: SECRET }),
      outbox: createOutbox({ store, masterSecret: SECRET, settings: { retentionDays: 1 } }),
      urlRule: { production: true, allowLoopback: false },
      audit: { record: (_ctx, event) => audited.push(event) },
      siteIds: () => ['DEMO', 'SIDE'],
    });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates within the caller’s sites only; a site that is not one, or not theirs, is not found', async () => {
    assert.deepEqual(await service.create(undefined, side, { site: 'DEMO', url: 'https://a.example.com/', events: ['user.created'] }), { status: 'not_found' });
    assert.equal(last().outcome, 'not_found');
    assert.deepEqual(await service.create(undefined, both, { site: 'NOPE', url: 'https://a.example.com/', events: ['user.created'] }), { status: 'not_found' });
    assert.deepEqual(await service.create(undefined, both, { site: undefined as never, url: 'https://a.example.com/', events: ['user.created'] }), {
      status: 'not_found',
    });
    const bad = await service.create(undefined, both, { site: 'DEMO', url: '', events: ['user.created'] });
    assert.deepEqual(bad, { status: 'invalid', field: 'url', message: 'Enter the endpoint URL.' });
    const made = await service.create(undefined, both, {
      site: 'DEMO',
      url: 'https://a.example.com/',
      events: ['user.created', 'user.created'],
      description: 'CRM',
    });
    assert.equal(made.status, 'ok');
    const created = made as Extract<typeof made, { status: 'ok' }>;
    assert.deepEqual(created.subscription.events, ['user.created'], 'an event named twice is one');
    assert.equal(created.subscription.description, 'CRM');
    assert.equal('sealedSecret' in created.subscription, false, 'the view has no secret');
    assert.deepEqual(last(), {
      action: 'admin.webhook.create',
      outcome: 'ok',
      site: 'DEMO',
      actor: 'gina@DEMO',
      detail: { subscription: created.subscription.id, url: 'https://a.example.com/', events: 'user.created' },
    });
  });

  it('updates, gets, lists and removes only what the caller may see', async () => {
    const made = (await service.create(undefined, both, { site: 'SIDE', url: 'https://b.example.com/', events: ['user.disabled'] })) as {
      subscription: { id: string };
    };
    const id = made.subscription.id;
    assert.deepEqual(await service.update(undefined, { ...side, sites: [] }, id, { enabled: false }), { status: 'not_found' });
    assert.deepEqual(await service.update(undefined, side, 'wh_nope', { enabled: false }), { status: 'not_found' });
    assert.deepEqual(await service.update(undefined, side, '../../etc', { enabled: false }), { status: 'not_found' });
    const invalid = await service.update(undefined, side, id, { events: [] });
    assert.equal(invalid.status, 'invalid');
    assert.match((invalid as { message: string }).message, /at least one event/);
    const privateUrl = await service.update(undefined, side, id, { url: 'https://10.0.0.1/' });
    assert.equal((privateUrl as { field: string }).field, 'url');
    const updated = await service.update(undefined, side, id, { url: 'https://c.example.com/', events: ['user.created'], enabled: false, description: 'Now' });
    assert.equal(updated.status, 'ok');
    assert.deepEqual(last().detail, { subscription: id, url: 'https://c.example.com/', events: 'user.created', enabled: 'false', description: 'Now' });
    const cleared = (await service.update(undefined, side, id, { description: '' })) as { subscription: { description?: string; enabled: boolean } };
    assert.equal(cleared.subscription.description, undefined);
    assert.equal(cleared.subscription.enabled, false);

    assert.equal((await service.get(side, id))?.url, 'https://c.example.com/');
    assert.equal(await service.get({ sites: ['DEMO'] }, id), undefined);
    assert.equal(await service.deliveries({ sites: ['DEMO'] }, id), undefined);
    assert.deepEqual(await service.deliveries(side, id), []);
    assert.deepEqual(
      (await service.list(both, { site: 'SIDE' })).items.map((item) => item.id),
      [id],
    );
    assert.equal((await service.list(side)).items.length, 1, "a site admin's list is their sites'");
    assert.deepEqual(await service.rotateSecret(undefined, { sites: ['DEMO'], label: 'x' }, id), { status: 'not_found' });
    assert.deepEqual(await service.remove(undefined, { sites: ['DEMO'], label: 'x' }, id), { status: 'not_found' });
    // One webhook per endpoint and site, also when two creates race; an update cannot take another's endpoint.
    const racing = await Promise.all(
      [0, 1, 2].map(() => service.create(undefined, side, { site: 'SIDE', url: 'https://race.example.com/', events: ['user.created'] })),
    );
    assert.deepEqual(racing.map((outcome) => outcome.status).sort(), ['invalid', 'invalid', 'ok']);
    assert.match((racing.find((outcome) => outcome.status === 'invalid') as { message: string }).message, /already has a webhook to that endpoint/);
    const taken = await service.update(undefined, side, id, { url: 'https://race.example.com/' });
    assert.equal(taken.status, 'invalid');
    assert.equal((await service.get(side, id))?.url, 'https://c.example.com/', 'unchanged');
    assert.equal((await service.list(side)).items.length, 2);
    assert.deepEqual(await service.remove(undefined, side, id), { status: 'ok' });
    // Its endpoint is free again, and the one it moved away from was freed when it moved.
    for (const url of ['https://c.example.com/', 'https://b.example.com/'])
      assert.equal((await service.create(undefined, side, { site: 'SIDE', url, events: ['user.created'] })).status, 'ok', url);
    assert.equal(await service.get(side, id), undefined);
    assert.ok(audited.some((event) => event.action === 'admin.webhook.delete' && event.outcome === 'ok' && event.detail?.subscription === id));
  });
});
