import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { Server } from 'node:http';
import Provider, { type AdapterConstructor } from 'oidc-provider';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createOidcAdapterFactory } from '../../src/store/oidc-adapter.ts';
import type { Store } from '../../src/store/port.ts';
import { createRedisStore } from '../../src/store/redis/redis-store.ts';
import { createSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { freePort } from '../support/free-port.ts';
import { type RunningRedis, startRedis } from '../support/redis-server.ts';

/**
 * DESIGN.md trap, end to end: oidc-provider checks `consumed` when it loads
 * the code and calls adapter.consume() later, so parallel token requests
 * all pass the check. Measured here: an adapter whose consume() ignores a
 * lost race let 8 parallel requests on Redis redeem one code 6 times.
 */
const REDIRECT = 'https://rp.example/cb';
const jwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });

async function startProvider(Adapter: AdapterConstructor) {
  const port = await freePort();
  const provider = new Provider(`http://127.0.0.1:${port}`, {
    adapter: Adapter,
    jwks: { keys: [{ ...jwk, kid: 'k1', alg: 'RS256', use: 'sig' }] },
    clients: [{ client_id: 'rp', client_secret: 'rp-secret', redirect_uris: [REDIRECT] }],
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => false },
    ttl: { AccessToken: 60, AuthorizationCode: 60, Grant: 600, IdToken: 60 },
  });
  const server: Server = provider.listen(port);
  return { provider, port, close: () => new Promise((resolve) => server.close(resolve)) };
}

async function redeemInParallel(store: Store, callers: number): Promise<string[]> {
  const { provider, port, close } = await startProvider(createOidcAdapterFactory(store));
  try {
    const grant = new provider.Grant({ accountId: 'user-1', clientId: 'rp' });
    grant.addOIDCScope('openid');
    const grantId = await grant.save();
    const client = await provider.Client.find('rp');
    assert.ok(client);
    const authTime = Math.floor(Date.now() / 1000);
    const code = await new provider.AuthorizationCode({
      accountId: 'user-1',
      grantId,
      client,
      redirectUri: REDIRECT,
      scope: 'openid',
      authTime,
      gty: 'authorization_code',
    }).save();
    const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
    const authorization = `Basic ${Buffer.from('rp:rp-secret').toString('base64')}`;
    return await Promise.all(
      Array.from({ length: callers }, async () => {
        const response = await fetch(`http://127.0.0.1:${port}/token`, { method: 'POST', body, headers: { authorization } });
        const json = (await response.json()) as { error?: string };
        return `${response.status} ${json.error ?? 'tokens'}`;
      }),
    );
  } finally {
    await close();
  }
}

describe('oidc-provider token endpoint: one authorization code, parallel redemptions', () => {
  let redis: RunningRedis;
  beforeAll(async () => (redis = await startRedis()));
  afterAll(() => redis.stop());

  for (const callers of [8, 50]) {
    it(`redis: ${callers} parallel token requests, exactly one gets tokens`, async () => {
      const store = createRedisStore({ url: redis.url, keyPrefix: `race-${callers}:` });
      await store.connect();
      const outcomes = await redeemInParallel(store, callers).finally(() => store.close());
      assert.equal(outcomes.filter((o) => o === '200 tokens').length, 1, outcomes.join(', '));
      assert.equal(outcomes.filter((o) => o === '400 invalid_grant').length, callers - 1, outcomes.join(', '));
    });
  }

  it('sqlite: 8 parallel token requests, exactly one gets tokens', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    const outcomes = await redeemInParallel(store, 8).finally(() => store.close());
    assert.deepEqual(outcomes.sort(), ['200 tokens', ...Array(7).fill('400 invalid_grant')].sort());
  });
});
