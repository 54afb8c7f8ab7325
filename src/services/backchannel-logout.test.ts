import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { sendBackchannelLogout, WRITTEN_FOR_OIDC_PROVIDER } from './backchannel-logout.ts';

describe('the back-channel logout adapter (the one undeclared oidc-provider method admit calls)', () => {
  let receiver: Server;
  const received: string[] = [];
  let status = 200;
  let url = '';

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        received.push(new URLSearchParams(body).get('logout_token') ?? '');
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/logout`;
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  it('was written for the installed oidc-provider: an upgrade means reading Client#backchannelLogout again', () => {
    const installed = JSON.parse(readFileSync(new URL('../../node_modules/oidc-provider/package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(installed.version, WRITTEN_FOR_OIDC_PROVIDER);
  });

  it("sends a logout token signed by the provider's key, with sub, sid and the logout event, and reports failures", async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    const provider = new Provider('http://127.0.0.1:1', {
      jwks: { keys: [jwk] },
      features: { backchannelLogout: { enabled: true }, devInteractions: { enabled: false } },
      clients: [
        {
          client_id: 'rp',
          client_secret: 'rp-secret-rp-secret-rp-secret-32',
          redirect_uris: ['http://127.0.0.1:9/cb'],
          backchannel_logout_uri: url,
          backchannel_logout_session_required: true,
        },
      ],
      // The receiver is on loopback, which oidc-provider's SSRF guard refuses: tests only.
      fetch: (target, options) => {
        const { dispatcher: _guard, ...rest } = options as RequestInit & { dispatcher?: unknown };
        return fetch(target, rest);
      },
    });
    const events: string[] = [];
    provider.on('backchannel.success', () => events.push('success'));
    provider.on('backchannel.error', () => events.push('error'));
    const client = (await provider.Client.find('rp'))!;

    await sendBackchannelLogout(provider, client, 'account-1', 'sid-1');
    const { payload, protectedHeader } = await jwtVerify(
      received.at(-1)!,
      createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256' }] }),
      { issuer: 'http://127.0.0.1:1', audience: 'rp' },
    );
    assert.equal(protectedHeader.typ, 'logout+jwt');
    assert.equal(payload.sub, 'account-1');
    assert.equal(payload.sid, 'sid-1');
    assert.deepEqual(payload.events, { 'http://schemas.openid.net/event/backchannel-logout': {} });
    assert.ok(payload.jti);

    status = 500;
    await assert.rejects(sendBackchannelLogout(provider, client, 'account-1', 'sid-1'), /expected 200/);
    assert.deepEqual(events, ['success', 'error']);
  });
});
