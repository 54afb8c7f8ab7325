import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { createAccountService } from '../../src/services/accounts.ts';
import { consoleSignIn, getPage, makeAdmin, postForm } from '../admin/console-support.ts';
import { signInThroughBrowser } from '../oidc/relying-party.ts';
import { FormBrowser, formAction, inputValue } from '../support/form-browser.ts';
import { type RunningRedis, startRedis } from '../support/redis-server.ts';
import { type Cluster, RP_SECRET, startCluster } from './instances.ts';

/**
 * Several admit instances on one store behind a round-robin proxy: every
 * request of one sign-in lands on another instance than the one before, and
 * what an admin changes on one instance holds on the others at once.
 */
const backends: { name: string; count: number; processes: number; redis: boolean; cluster?: boolean }[] = [
  { name: 'Redis, three instances (one a process of its own)', count: 3, processes: 1, redis: true },
  { name: 'one SQLite file, two processes', count: 2, processes: 1, redis: false },
  // A one-node Redis Cluster refuses cross-slot commands: every key the instances share is hash-tagged.
  { name: 'Redis Cluster, two instances (one a process of its own)', count: 2, processes: 1, redis: true, cluster: true },
];

for (const backend of backends) {
  describe(`several admit instances: ${backend.name}`, () => {
    let redis: RunningRedis | undefined;
    let cluster: Cluster;
    const uma = { username: 'uma', password: 'Uma#Multi-2026', site: 'DEMO' };

    beforeAll(async () => {
      if (backend.redis) redis = await startRedis({ cluster: backend.cluster });
      cluster = await startCluster({
        count: backend.count,
        processes: backend.processes,
        storeUrl: redis?.url,
        redisCluster: backend.cluster ? [{ host: '127.0.0.1', port: redis!.port }] : undefined,
        config: { keys: { pollSeconds: 1, jwksMaxAgeSeconds: 1, propagationSeconds: 3 } },
      });
      await createLocalDirectory({ store: cluster.store, siteId: 'DEMO' }).addUser({
        username: uma.username,
        password: uma.password,
        name: 'Uma User',
        email: 'uma@example.com',
      });
    });
    afterAll(async () => {
      await cluster?.stop();
      await redis?.stop();
    });

    const discover = () => oidc.discovery(new URL(cluster.proxy.url), 'rp', RP_SECRET, undefined, { execute: [oidc.allowInsecureRequests] });

    it('signs in, exchanges the code, reads userinfo and refreshes with each request on the next instance', async () => {
      assert.deepEqual(cluster.instances.map((instance) => instance.kind).includes('process'), true);
      const config = await discover();
      const from = cluster.proxy.served.length;
      const browser = new FormBrowser();
      const { callback, verifier, state, nonce } = await signInThroughBrowser(config, browser, uma);
      const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
      assert.equal(tokens.claims()?.iss, cluster.proxy.url, 'one issuer for every instance');
      const info = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
      assert.equal(info.name, 'Uma User');
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
      assert.equal(refreshed.claims()?.sub, tokens.claims()?.sub);

      const served = cluster.proxy.served.slice(from);
      const paths = served.map(({ method, path }) => `${method} ${path.split('?')[0]}`);
      for (let i = 1; i < served.length; i += 1)
        assert.notEqual(served[i]!.upstream, served[i - 1]!.upstream, `${paths[i - 1]} and ${paths[i]} on different instances`);
      for (let upstream = 0; upstream < cluster.instances.length; upstream += 1) {
        assert.ok(
          served.some((request) => request.upstream === upstream),
          `instance ${upstream} served part of the sign-in`,
        );
      }
      // The page with the form and the form's POST (its CSRF token, the interaction cookie) on different instances:
      const login = paths.findIndex((path) => /^POST \/interaction\/[^/]+\/login$/.test(path));
      assert.ok(login > 0, `a sign-in POST among ${paths.join(', ')}`);
      assert.notEqual(served[login]!.upstream, served[login - 1]!.upstream);
      assert.ok(paths.includes('POST /token'), 'the code exchange went through the proxy');
    });

    it('an admin disables a user on one instance: the other refuses her refresh token and her sign-in at once', async () => {
      const config = await discover();
      const signIn = await signInThroughBrowser(config, new FormBrowser(), uma);
      const tokens = await oidc.authorizationCodeGrant(config, signIn.callback, {
        pkceCodeVerifier: signIn.verifier,
        expectedState: signIn.state,
        expectedNonce: signIn.nonce,
      });
      const account = await createAccountService({ store: cluster.store }).findByUsername('DEMO', 'uma');
      assert.ok(account);

      // The admin's console sign-in alternates instances too; the change itself is made on instance 0.
      const admin = new FormBrowser();
      await consoleSignIn(
        cluster.inProcess,
        admin,
        await makeAdmin(cluster.inProcess, { site: 'DEMO', username: 'gina', adminSites: ['*'] }),
        `/admin/users/${account.id}`,
      );
      cluster.proxy.pin(0);
      const page = await getPage(cluster.inProcess, admin, `/admin/users/${account.id}`);
      const { url } = await postForm(cluster.inProcess, admin, page.html, `/admin/users/${account.id}/disable`);
      assert.equal(url.searchParams.get('notice'), 'disabled', url.href);
      const changedAt = Date.now();

      cluster.proxy.pin(1);
      try {
        const from = cluster.proxy.served.length;
        await assert.rejects(oidc.refreshTokenGrant(config, tokens.refresh_token!), (error: { error?: string }) => error.error === 'invalid_grant');
        const refused = await attemptSignIn(config, uma);
        assert.equal(refused.callback, undefined, 'no code for a disabled user');
        assert.match(refused.html, /disabled/);
        assert.ok(
          cluster.proxy.served.slice(from).every((request) => request.upstream === 1),
          'all on instance 1',
        );
        assert.ok(Date.now() - changedAt < 5000, 'seen without waiting for any cache');
      } finally {
        cluster.proxy.pin(undefined);
      }
    });

    it('admit keys rotate: every instance publishes the staged keys within a poll, without a restart', async () => {
      const kidsOf = async (direct: string) => ((await (await fetch(`${direct}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((key) => key.kid);
      const before = await kidsOf(cluster.instances[0]!.direct);
      const rotated = await cluster.cli('keys', 'rotate');
      assert.equal(rotated.code, 0, rotated.stderr);
      const added = /new signing keys: (.+)/.exec(rotated.stdout)![1]!.split(', ');
      await new Promise((resolve) => setTimeout(resolve, 1700));
      for (const { direct } of cluster.instances) assert.deepEqual((await kidsOf(direct)).sort(), [...before, ...added].sort(), direct);
    });
  });
}

/** A sign-in's browser side up to what the form's POST answers: the callback with a code, or the page shown instead. */
async function attemptSignIn(config: oidc.Configuration, credentials: { username: string; password: string; site: string }) {
  const browser = new FormBrowser();
  const isCallback = (location: URL) => location.href.startsWith('http://127.0.0.1:9/callback');
  const authorize = oidc.buildAuthorizationUrl(config, {
    redirect_uri: 'http://127.0.0.1:9/callback',
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
  });
  const page = await browser.follow(authorize, isCallback);
  const form = await page.response.text();
  const { response, url } = await browser.follow(new URL(formAction(form, '/login'), page.url), isCallback, {
    form: { _csrf: inputValue(form, '_csrf'), ...credentials },
  });
  return isCallback(url) ? { callback: url, html: '' } : { callback: undefined, html: await response.text() };
}
