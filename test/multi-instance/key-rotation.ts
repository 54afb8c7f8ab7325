import assert from 'node:assert/strict';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLocalDirectory } from '../../plugins/connector-local/local-directory.ts';
import { signInThroughBrowser } from '../oidc/relying-party.ts';
import { FormBrowser } from '../support/form-browser.ts';
import { type RunningRedis, startRedis } from '../support/redis-server.ts';
import { type Cluster, RP_SECRET, startCluster } from './instances.ts';

// Short delays through config: a poll a second, a JWKS kept a second, new keys sign a few seconds after the rotation.
const POLL = 1;
const MAX_AGE = 1;
// The shortest lifetimes the schema allows: the old keys stay published 60 s + the propagation delay past the switch.
const TOKEN_SECONDS = 60;
// Slack for a poll tick landing late on a loaded machine.
const SLACK_MS = POLL * 1000 + 700;

interface Issued {
  instance: number;
  token: string;
  kid: string;
  exp: number;
  /** When the token request was sent and answered (epoch ms). */
  sent: number;
  answered: number;
}

/**
 * `admit keys rotate` on running instances, with ID tokens from every
 * instance verified (jose) against every instance's JWKS from before the
 * rotation, through the propagation delay and the switch, and (when
 * `untilRetirement`) past the old keys' retirement: any token still valid
 * verifies against any instance's JWKS at every sample.
 */
export function keyRotationSuite(backend: {
  name: string;
  redis: boolean;
  count: number;
  processes: number;
  untilRetirement: boolean;
  /** Seconds from the rotation to the switch. */
  propagation: number;
  /** When the last instance (a process) is restarted: during the propagation delay, or after the switch. */
  restart: 'during' | 'after-switch';
}) {
  const PROPAGATION = backend.propagation;
  describe(`live key rotation across instances: ${backend.name}`, () => {
    let redis: RunningRedis | undefined;
    let cluster: Cluster;
    const uma = { username: 'uma', password: 'Uma#Rotate-2026', site: 'DEMO' };

    beforeAll(async () => {
      if (backend.redis) redis = await startRedis();
      cluster = await startCluster({
        count: backend.count,
        processes: backend.processes,
        storeUrl: redis?.url,
        config: {
          keys: { pollSeconds: POLL, jwksMaxAgeSeconds: MAX_AGE, propagationSeconds: PROPAGATION },
          tokens: { idTokenSeconds: TOKEN_SECONDS, accessTokenSeconds: TOKEN_SECONDS },
        },
      });
      await createLocalDirectory({ store: cluster.store, siteId: 'DEMO' }).addUser({ username: uma.username, password: uma.password, name: 'Uma User' });
    });
    afterAll(async () => {
      await cluster?.stop();
      await redis?.stop();
    });

    it('publishes the staged keys everywhere at once, switches after the propagation delay, retires the old keys after their tokens', async () => {
      const config = await oidc.discovery(new URL(cluster.proxy.url), 'rp', RP_SECRET, undefined, { execute: [oidc.allowInsecureRequests] });
      const signIn = await signInThroughBrowser(config, new FormBrowser(), uma);
      let refreshToken = (
        await oidc.authorizationCodeGrant(config, signIn.callback, {
          pkceCodeVerifier: signIn.verifier,
          expectedState: signIn.state,
          expectedNonce: signIn.nonce,
        })
      ).refresh_token!;
      const issued: Issued[] = [];
      const failures: string[] = [];

      /** An ID token from each instance: a refresh grant sent straight to its port (the grant lives in the shared store). */
      async function issueFromEach(): Promise<Issued[]> {
        const batch: Issued[] = [];
        for (const [instance, { direct }] of cluster.instances.entries()) {
          const sent = Date.now();
          const response = await fetch(`${direct}/token`, {
            method: 'POST',
            headers: { authorization: `Basic ${Buffer.from(`rp:${RP_SECRET}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
          });
          const body = (await response.json()) as { id_token?: string; refresh_token?: string; error?: string };
          assert.equal(response.status, 200, `instance ${instance}: ${JSON.stringify(body)}`);
          refreshToken = body.refresh_token!;
          const token = body.id_token!;
          batch.push({ instance, token, kid: String(decodeProtectedHeader(token).kid), exp: decodeJwt(token).exp!, sent, answered: Date.now() });
        }
        issued.push(...batch);
        return batch;
      }

      async function jwksOfEach(): Promise<{ jwks: JSONWebKeySet; kids: string[] }[]> {
        return Promise.all(
          cluster.instances.map(async ({ direct }, instance) => {
            const response = await fetch(`${direct}/jwks`);
            assert.equal(response.status, 200);
            assert.equal(
              response.headers.get('cache-control'),
              `public, max-age=${MAX_AGE}`,
              `instance ${instance} advertises the max-age the propagation delay is longer than`,
            );
            const jwks = (await response.json()) as JSONWebKeySet;
            for (const key of jwks.keys) assert.equal((key as { d?: string }).d, undefined, 'no private members');
            return { jwks, kids: jwks.keys.map((key) => String(key.kid)) };
          }),
        );
      }

      /** Every token not yet expired verifies against every instance's JWKS. */
      async function verifyAll(sets: { jwks: JSONWebKeySet }[], label: string): Promise<void> {
        const now = Date.now();
        for (const token of issued.filter((candidate) => candidate.exp * 1000 > now + 1000)) {
          for (const [instance, { jwks }] of sets.entries()) {
            await jwtVerify(token.token, createLocalJWKSet(jwks), { issuer: cluster.proxy.url, audience: 'rp' }).catch((error: Error) => {
              failures.push(`${label}: a token of instance ${token.instance} (kid ${token.kid}) against instance ${instance}'s JWKS: ${error.message}`);
            });
          }
        }
      }

      const before = await jwksOfEach();
      const oldKids = before[0]!.kids;
      for (const set of before) assert.deepEqual(set.kids, oldKids, 'one key set everywhere');
      for (const token of await issueFromEach()) assert.ok(oldKids.includes(token.kid));
      await verifyAll(await jwksOfEach(), 'before');

      const rotatedAt = Date.now();
      const rotated = await cluster.cli('keys', 'rotate');
      assert.equal(rotated.code, 0, rotated.stderr);
      const published = Date.now();
      const activateAt = Date.parse(/sign from (\S+)/.exec(rotated.stdout)![1]!);
      const retireAt = Date.parse(/stay published until (\S+):/.exec(rotated.stdout)![1]!);
      const newKids = /new signing keys: (.+)/.exec(rotated.stdout)![1]!.split(', ');
      assert.ok(
        activateAt - rotatedAt >= PROPAGATION * 1000 - 100 && activateAt - published <= PROPAGATION * 1000,
        'the switch is one propagation delay after the rotation',
      );
      assert.ok(PROPAGATION > MAX_AGE + POLL, 'the delay is longer than the advertised max-age plus a poll');
      assert.equal(
        retireAt - activateAt,
        (TOKEN_SECONDS + PROPAGATION) * 1000,
        'the old keys outlive the longest token signed with them by one propagation delay',
      );

      const restartLast = async () => {
        await cluster.instances.at(-1)!.restart();
        // Let this process's keep-alive sockets to the stopped one close.
        await new Promise((resolve) => setTimeout(resolve, 100));
      };
      let restarted = false;
      if (backend.restart === 'during') {
        await restartLast();
        restarted = true;
        assert.ok(Date.now() < activateAt - 1500, 'the restart left time to sample before the switch (raise the propagation delay)');
      }

      const seen = { before: 1, during: 0, afterSwitch: 0, afterRetirement: 0 };
      const deadline = (backend.untilRetirement ? retireAt : activateAt) + 10_000;
      const done = () => (backend.untilRetirement ? seen.afterRetirement >= 2 : seen.afterSwitch >= 3);
      while (!done() && Date.now() < deadline) {
        const sampled = Date.now();
        const sets = await jwksOfEach();
        const batch = await issueFromEach();
        await verifyAll(sets, `${((sampled - activateAt) / 1000).toFixed(1)} s from the switch`);
        if (sampled > published + SLACK_MS) {
          for (const set of sets) {
            if (sampled < retireAt) assert.deepEqual([...set.kids].sort(), [...oldKids, ...newKids].sort(), 'old and new keys published on every instance');
          }
        }
        for (const token of batch) {
          if (token.answered < activateAt) assert.ok(oldKids.includes(token.kid), `instance ${token.instance} signed with a staged key before the switch`);
          if (token.sent > activateAt + SLACK_MS)
            assert.ok(newKids.includes(token.kid), `instance ${token.instance} still signs with an old key ${token.sent - activateAt} ms after the switch`);
        }
        if (sampled > retireAt + SLACK_MS) {
          for (const set of sets) assert.deepEqual([...set.kids].sort(), [...newKids].sort(), 'the old keys are retired on every instance');
          seen.afterRetirement += 1;
        } else if (sampled > activateAt + SLACK_MS) seen.afterSwitch += 1;
        else if (sampled > published + SLACK_MS && batch.every((token) => token.answered < activateAt)) seen.during += 1;
        if (backend.restart === 'after-switch' && !restarted && seen.afterSwitch > 0) {
          await restartLast();
          restarted = true;
        }
        await new Promise((resolve) => setTimeout(resolve, sampled > activateAt + SLACK_MS + 2000 ? 1000 : 250));
      }

      assert.ok(restarted, 'the last instance was restarted');
      assert.deepEqual(failures, [], 'every valid token verified against every JWKS at every sample');
      assert.ok(seen.during > 0, `sampled during the propagation delay: ${JSON.stringify(seen)}`);
      assert.ok(seen.afterSwitch > 0, `sampled after the switch: ${JSON.stringify(seen)}`);
      if (backend.untilRetirement) {
        assert.ok(seen.afterRetirement > 0, `sampled after the retirement: ${JSON.stringify(seen)}`);
        for (const token of issued.filter((candidate) => oldKids.includes(candidate.kid))) {
          assert.ok(token.exp * 1000 <= retireAt, 'every token an old key signed expired before the key was retired');
        }
      }
      // Every instance signed with both generations.
      for (let instance = 0; instance < cluster.instances.length; instance += 1) {
        const kids = new Set(issued.filter((token) => token.instance === instance).map((token) => token.kid));
        assert.ok(
          [...kids].some((kid) => oldKids.includes(kid)) && [...kids].some((kid) => newKids.includes(kid)),
          `instance ${instance} signed with the old and the new key`,
        );
      }
    });
  });
}
