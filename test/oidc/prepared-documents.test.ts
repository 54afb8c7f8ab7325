import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type RunningAdmit, startAdmit } from '../support/admit-server.ts';

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('admit serves discovery and the JWKS as prepared bytes', () => {
  let running: RunningAdmit;
  let bare: Server;

  beforeAll(async () => {
    running = await startAdmit();
    // admit's own oidc-provider, asked directly (no admit middleware in front).
    bare = createServer(running.admit.provider.callback());
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => bare.close(resolve));
    await running?.stop();
  });

  for (const path of ['/.well-known/openid-configuration', '/jwks']) {
    it(`${path}: oidc-provider's document, with admit's JSON security headers, a strong ETag and 304`, async () => {
      const expected = await get((bare.address() as AddressInfo).port, path, { host: `127.0.0.1:${running.port}` });
      const first = await get(running.port, path);
      const kept = await get(running.port, path);
      for (const answer of [first, kept]) {
        assert.equal(answer.status, 200);
        assert.deepEqual(JSON.parse(answer.body), JSON.parse(expected.body));
        assert.equal(answer.headers['content-type'], expected.headers['content-type']);
        assert.equal(answer.headers['access-control-allow-origin'], '*');
        assert.equal(answer.headers['x-content-type-options'], 'nosniff');
        assert.equal(answer.headers['referrer-policy'], 'no-referrer');
        assert.match(String(answer.headers['content-security-policy']), /frame-ancestors 'none'/);
        assert.match(String(answer.headers.etag), /^"[A-Za-z0-9_-]{27}"$/);
      }
      assert.equal(kept.body, first.body);
      assert.equal(kept.headers.etag, first.headers.etag);
      const notModified = await get(running.port, path, { 'if-none-match': String(first.headers.etag) });
      assert.equal(notModified.status, 304);
      assert.equal(notModified.body, '');
    });
  }
});
