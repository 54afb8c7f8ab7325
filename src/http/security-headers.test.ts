import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { securityHeaders } from './security-headers.ts';

const CSP =
  "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;font-src 'self';object-src 'none';base-uri 'none';frame-ancestors 'none'";
const EVERY = { 'content-security-policy': CSP, 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff', 'x-frame-options': 'SAMEORIGIN' };
const DOCUMENTS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};
const HSTS = { 'strict-transport-security': 'max-age=31536000; includeSubDomains' };
const TRANSPORT = new Set(['date', 'connection', 'keep-alive', 'content-length', 'content-type', 'location']);

describe('security headers (helmet as middleware)', () => {
  const servers: Server[] = [];
  const origins = new Map<boolean, string>();

  beforeAll(async () => {
    for (const https of [false, true]) {
      const app = new Koa();
      app.use(securityHeaders({ https }));
      app.use((ctx) => {
        if (ctx.path === '/page') ctx.type = 'html';
        if (ctx.path === '/redirect') return ctx.redirect('/elsewhere');
        ctx.body = ctx.path === '/page' ? '<p>page</p>' : { json: true };
      });
      const server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      servers.push(server);
      origins.set(https, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    }
  });
  afterAll(() => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))));

  const headersOf = async (https: boolean, path: string) => {
    // As an API client asks: Koa's redirect answers a browser with a small HTML page.
    const response = await fetch(`${origins.get(https)}${path}`, { redirect: 'manual', headers: { accept: 'application/json' } });
    return Object.fromEntries([...response.headers].filter(([name]) => !TRANSPORT.has(name)));
  };

  it('every answer, JSON and redirects too, gets CSP, nosniff, no framing and no referrer; HSTS only for an https issuer', async () => {
    assert.deepEqual(await headersOf(false, '/json'), EVERY);
    assert.deepEqual(await headersOf(false, '/redirect'), EVERY);
    assert.deepEqual(await headersOf(true, '/json'), { ...EVERY, ...HSTS });
  });

  it("pages also get helmet's document-only headers", async () => {
    assert.deepEqual(await headersOf(false, '/page'), { ...EVERY, ...DOCUMENTS });
    assert.deepEqual(await headersOf(true, '/page'), { ...EVERY, ...HSTS, ...DOCUMENTS });
  });
});
