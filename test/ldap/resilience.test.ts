import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createLdapConnector } from '../../plugins/connector-ldap/ldap-connector.ts';
import type { PasswordConnector } from '../../src/kit/index.ts';
import { freePort } from '../support/free-port.ts';
import { directoryFor, type RunningSlapd, seedPassword, startSlapd } from '../support/slapd.ts';

let slapd: RunningSlapd;
let silent: { server: Server; url: string; sockets: Set<Socket> };
const connectors: PasswordConnector[] = [];

/** Accepts TCP and never says a word: the server that hangs a client without timeouts. */
async function startSilentServer() {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, sockets, url: `ldap://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}

beforeAll(async () => {
  [slapd, silent] = await Promise.all([startSlapd(), startSilentServer()]);
});
afterAll(async () => {
  await Promise.all(connectors.map((connector) => connector.close?.()));
  for (const socket of silent.sockets) socket.destroy();
  await new Promise((resolve) => silent.server.close(resolve));
  await slapd.stop();
});

function connector(overrides: Record<string, unknown> = {}): PasswordConnector {
  const created = createLdapConnector(directoryFor(slapd, overrides));
  connectors.push(created);
  return created;
}

const alice = { username: 'alice', password: seedPassword('alice') };

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
}

describe('LDAP connector when servers fail', () => {
  it('fails over to the second url when nothing listens on the first', async () => {
    const ldap = connector({ urls: [`ldap://127.0.0.1:${await freePort()}`, slapd.url] });
    assert.equal((await ldap.verifyPassword(alice)).status, 'ok');
    assert.deepEqual(await ldap.health(), { ok: true });
  });

  it('fails over from a server that never answers, then skips it without waiting again', async () => {
    const ldap = connector({ urls: [silent.url, slapd.url], timeoutMs: 400 });
    const first = await timed(() => ldap.verifyPassword(alice));
    assert.equal(first.result.status, 'ok');
    assert.ok(first.ms < 1500, `first sign-in took ${first.ms} ms`);
    const second = await timed(() => ldap.verifyPassword({ username: 'bob', password: seedPassword('bob') }));
    assert.equal(second.result.status, 'ok');
    assert.ok(second.ms < 300, `the silent server was tried again: ${second.ms} ms`);
  });

  it('answers "unavailable" within the timeout when the only server accepts TCP and never answers', async () => {
    const ldap = connector({ urls: [silent.url], connectTimeoutMs: 400, timeoutMs: 400 });
    const signIn = await timed(() => ldap.verifyPassword(alice));
    assert.equal(signIn.result.status, 'unavailable');
    assert.match(signIn.result.status === 'unavailable' ? signIn.result.reason : '', /timed out/i);
    assert.ok(signIn.ms < 1500, `took ${signIn.ms} ms`);
    const health = await timed(() => ldap.health());
    assert.equal(health.result.ok, false);
    assert.ok(health.ms < 1500, `health took ${health.ms} ms`);
    const reset = await ldap.resetPassword!({ username: 'alice', newPassword: 'Whatever-Passw0rd' });
    assert.equal(reset.status, 'unavailable');
  });

  it('answers "unavailable" quickly when the server is killed, and works again after a restart', async () => {
    const ldap = connector();
    assert.equal((await ldap.verifyPassword(alice)).status, 'ok');
    await slapd.kill();
    try {
      const down = await timed(() => ldap.verifyPassword(alice));
      assert.equal(down.result.status, 'unavailable');
      assert.ok(down.ms < 1000, `took ${down.ms} ms`);
      assert.equal((await ldap.health()).ok, false);
      assert.equal((await ldap.changePassword!({ username: 'alice', oldPassword: alice.password, newPassword: 'Whatever-Passw0rd' })).status, 'unavailable');
      assert.equal((await ldap.unlock!({ username: 'alice' })).status, 'unavailable');
    } finally {
      await slapd.start();
    }
    assert.equal((await ldap.verifyPassword(alice)).status, 'ok');
    assert.deepEqual(await ldap.health(), { ok: true });
  });

  it('a kill while sign-ins are in flight ends each of them as "ok" or "unavailable", none hangs', async () => {
    const ldap = connector({ timeoutMs: 2000, poolSize: 2 });
    const inFlight = timed(() => Promise.all(Array.from({ length: 8 }, () => ldap.verifyPassword(alice))));
    await slapd.kill();
    try {
      const { result: outcomes, ms } = await inFlight;
      assert.ok(
        outcomes.every((outcome) => outcome.status === 'ok' || outcome.status === 'unavailable'),
        JSON.stringify(outcomes),
      );
      // Callers queued for a pooled connection learn at once too, not after the 2 s wait.
      assert.ok(ms < 1000, `took ${ms} ms`);
    } finally {
      await slapd.start();
    }
    assert.equal((await ldap.verifyPassword(alice)).status, 'ok');
  });
});
