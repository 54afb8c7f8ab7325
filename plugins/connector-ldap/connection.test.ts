import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { BerReader } from 'ldapts';
import { afterAll, describe, it } from 'vitest';
import { clientOptionsFor, openSession } from './connection.ts';
import { ConnectionLostError } from './errors.ts';
import { startFakeActiveDirectory } from './testing/fake-active-directory.ts';
import { tlsOptionsFor } from './tls-options.ts';

const servers: Server[] = [];
const sockets = new Set<Socket>();
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A loopback server; `onData` decides what (if anything) it ever says. */
async function serve(onData: (socket: Socket, chunk: Buffer) => void): Promise<string> {
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (chunk: Buffer) => onData(socket, chunk));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return `ldap://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

const options = (url: string, startTls = false) => ({ url, startTls, tlsOptions: tlsOptionsFor(url, {}), connectTimeoutMs: 300, timeoutMs: 300 });

describe('LDAP connections', () => {
  it('gives TLS options to the client for ldaps:// only: ldapts would speak TLS at once on ldap:// too', () => {
    const ca = Buffer.from('PEM');
    const startTls = clientOptionsFor({
      ...options('ldap://ldap.example.test'),
      startTls: true,
      tlsOptions: tlsOptionsFor('ldap://ldap.example.test', { tlsCaFile: 'ca.pem' }, () => ca),
    });
    assert.equal(startTls.tlsOptions, undefined);
    const ldaps = clientOptionsFor({
      ...options('ldaps://ldap.example.test:636'),
      tlsOptions: tlsOptionsFor('ldaps://ldap.example.test:636', { tlsCaFile: 'ca.pem' }, () => ca),
    });
    assert.deepEqual(ldaps.tlsOptions, { host: 'ldap.example.test', servername: 'ldap.example.test', rejectUnauthorized: true, minVersion: 'TLSv1.2', ca });
    assert.equal(ldaps.connectTimeout, 300);
    assert.equal(ldaps.timeout, 300);
  });

  it('checks certificates against the url host; SNI for names only', () => {
    assert.deepEqual(tlsOptionsFor('ldap://10.0.0.5:389', {}), { host: '10.0.0.5', rejectUnauthorized: true, minVersion: 'TLSv1.2' });
    assert.equal(tlsOptionsFor('ldaps://[::1]:636', {}).host, '::1');
    assert.equal(tlsOptionsFor('ldaps://dc1.corp.example', {}).servername, 'dc1.corp.example');
  });

  it('a bind to a server that accepts TCP and never answers fails at the timeout', async () => {
    const url = await serve(() => undefined);
    const started = Date.now();
    const session = await openSession(options(url));
    await assert.rejects(session.bind('cn=x', 'y'), /timed out/);
    assert.ok(Date.now() - started < 1000);
  });

  it('a StartTLS handshake that never completes fails at the connect timeout', async () => {
    // Says yes to StartTLS (an ExtendedResponse, success), then never speaks TLS.
    const url = await serve((socket, chunk) => {
      if (chunk[0] !== 0x30) return; // the TLS ClientHello: ignored for ever
      const reader = new BerReader(chunk);
      reader.readSequence();
      const id = reader.readInt() ?? 1;
      socket.write(Buffer.from([0x30, 0x0c, 0x02, 0x01, id, 0x78, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00]));
    });
    const started = Date.now();
    await assert.rejects(openSession(options(url, true)), /TLS handshake timed out/);
    assert.ok(Date.now() - started < 1000);
  });

  it('a session whose connection dropped refuses to go on instead of reconnecting unbound', async () => {
    const ad = await startFakeActiveDirectory({ baseDn: 'DC=x', serviceDn: 'CN=svc,DC=x', servicePassword: 'pw', users: [] });
    const session = await openSession(options(ad.url));
    await session.bind('CN=svc,DC=x', 'pw');
    assert.equal(session.live, true);
    await ad.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(session.live, false);
    await assert.rejects(session.search('DC=x', { filter: '(objectClass=*)' }), ConnectionLostError);
  });
});
