import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import * as fetchRequestModule from 'oidc-provider/lib/helpers/fetch_request.js';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { Store } from '../../store/port.ts';
import { createSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { webhookDeliverer } from '../outbox/deliverers.ts';
import type { OutboxMessage } from '../outbox/outbox-model.ts';
import { WRITTEN_FOR_OIDC_PROVIDER } from './guarded-fetch.ts';
import { createSubscriptionStore, newSigningSecret, type StoredSubscription } from './subscription-store.ts';

// A throw-away signing key: the providers here sign nothing, but would warn without one.
const jwk = { ...(await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

describe('the webhook channel deliverer', () => {
  let dir: string;
  let store: Store;
  let server: Server;
  let origin: string;
  const seen: { path: string; headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  const secret = newSigningSecret();
  // A provider whose fetch lets literal loopback through (server.allowLoopbackRequests, as oidc/provider.ts does), and one that does not.
  const quiet = { features: { devInteractions: { enabled: false } }, jwks: { keys: [jwk] } };
  const open = new Provider('http://127.0.0.1:1', {
    ...quiet,
    fetch: (url, options) => {
      const { dispatcher: _guard, ...rest } = options as RequestInit & { dispatcher?: unknown };
      return globalThis.fetch(url, LOOPBACK.test(new URL(url).hostname) ? rest : options);
    },
  });
  const guarded = new Provider('http://127.0.0.1:1', quiet);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'admit-webhook-'));
    store = createSqliteStore({ path: join(dir, 'admit.db') });
    server = createServer(async (request, response) => {
      let body = '';
      for await (const chunk of request) body += chunk;
      seen.push({ path: request.url ?? '', headers: request.headers, body });
      const status = Number(/\/(\d{3})$/.exec(request.url ?? '')?.[1] ?? 204);
      response.writeHead(status, status === 302 ? { location: `${origin}/followed` } : {}).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function subscription(path: string): Promise<{ subscriptions: ReturnType<typeof createSubscriptionStore>; id: string }> {
    const subscriptions = createSubscriptionStore({ store, masterSecret: 'test-master-secret-0123456789-abcdefghij' });
    const id = `wh_${path.replace(/\W/g, '')}`;
    const now = new Date().toISOString();
    const record: StoredSubscription = {
      id,
      site: 'DEMO',
      url: `${origin}${path}`,
      events: ['user.created'],
      enabled: true,
      createdAt: now,
      createdBy: 'test',
      updatedAt: now,
      secretCreatedAt: now,
      order: Date.now() * 1000,
      sealedSecret: subscriptions.seal(secret),
    };
    await subscriptions.save(record);
    return { subscriptions, id };
  }
  const message = { id: 'msg-1' } as OutboxMessage;
  const body = JSON.stringify({ type: 'user.created', timestamp: '2026-12-07T10:00:00.000Z', data: { site: 'DEMO' } });
  const rule = { production: false, allowLoopback: true };

  it('is written against the oidc-provider whose outgoing-request helper it uses', () => {
    const installed = JSON.parse(readFileSync(new URL('../../../node_modules/oidc-provider/package.json', import.meta.url), 'utf8')).version;
    assert.equal(installed, WRITTEN_FOR_OIDC_PROVIDER, 'read src/services/webhooks/guarded-fetch.ts again for this oidc-provider version');
    assert.equal(typeof fetchRequestModule.default, 'function');
    assert.equal(fetchRequestModule.isSpecialUseIP('10.0.0.1'), true);
  });

  it('POSTs the body as JSON with Standard Webhooks headers that verify; 2xx is delivered', async () => {
    const { subscriptions, id } = await subscription('/ok');
    await webhookDeliverer({ provider: open, subscriptions, urlRule: rule }).webhook(message, { subscriptionId: id, site: 'DEMO', body });
    const got = seen.at(-1)!;
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.body, body);
    const headers = {
      'webhook-id': String(got.headers['webhook-id']),
      'webhook-timestamp': String(got.headers['webhook-timestamp']),
      'webhook-signature': String(got.headers['webhook-signature']),
    };
    assert.equal(headers['webhook-id'], 'msg-1');
    assert.deepEqual(new Webhook(secret).verify(got.body, headers), JSON.parse(body));
  });

  it('fails on a redirect (never followed), on another status, and on a deleted subscription', async () => {
    const redirect = await subscription('/302');
    const before = seen.length;
    await assert.rejects(
      webhookDeliverer({ provider: open, subscriptions: redirect.subscriptions, urlRule: rule }).webhook(message, {
        subscriptionId: redirect.id,
        site: 'DEMO',
        body,
      }),
      /answered 302 \(redirects are not followed\)/,
    );
    assert.equal(seen.length, before + 1, 'the Location was not requested');
    const failing = await subscription('/500');
    await assert.rejects(
      webhookDeliverer({ provider: open, subscriptions: failing.subscriptions, urlRule: rule }).webhook(message, {
        subscriptionId: failing.id,
        site: 'DEMO',
        body,
      }),
      /receiver answered 500/,
    );
    await assert.rejects(
      webhookDeliverer({ provider: open, subscriptions: failing.subscriptions, urlRule: rule }).webhook(message, {
        subscriptionId: 'wh_gone',
        site: 'DEMO',
        body,
      }),
      /deleted/,
    );
  });

  it("refuses what the deployment's rule refuses now, and oidc-provider's guard drops a loopback connection without allowLoopbackRequests", async () => {
    const { subscriptions, id } = await subscription('/guarded');
    await assert.rejects(
      webhookDeliverer({ provider: open, subscriptions, urlRule: { production: true, allowLoopback: false } }).webhook(message, {
        subscriptionId: id,
        site: 'DEMO',
        body,
      }),
      /https:\/\//,
    );
    const before = seen.length;
    await assert.rejects(
      webhookDeliverer({ provider: guarded, subscriptions, urlRule: rule }).webhook(message, { subscriptionId: id, site: 'DEMO', body }),
      /receiver unreachable: .*special-use IP address/,
    );
    assert.equal(seen.length, before, 'nothing reached the loopback receiver');
  });
});
