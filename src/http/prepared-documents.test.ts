import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import mount from 'koa-mount';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { matches, preparedDocuments, strongEtag } from './prepared-documents.ts';
import { securityHeaders } from './security-headers.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

const listen = (handler: Parameters<typeof createServer>[1]) =>
  new Promise<Server>((resolve) => {
    const server = createServer(handler);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
const portOf = (server: Server) => (server.address() as AddressInfo).port;

function signingKey(): Record<string, unknown> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'ES256', use: 'sig' };
}

describe('discovery and JWKS as prepared bytes', () => {
  const issuer = 'http://127.0.0.1';
  const DISCOVERY = '/.well-known/openid-configuration';
  let providers: Provider[];
  let current = 0;
  let version = 1;
  let app: Server;
  let bare: Server;
  let prepared: ReturnType<typeof preparedDocuments>;

  beforeAll(async () => {
    providers = [
      new Provider(issuer, { jwks: { keys: [signingKey() as never] }, features: { devInteractions: { enabled: false } } }),
      new Provider(issuer, { jwks: { keys: [signingKey() as never] }, features: { devInteractions: { enabled: false } } }),
    ];
    const koa = new Koa();
    prepared = preparedDocuments({ paths: [DISCOVERY, '/jwks'], version: () => version });
    koa.use(prepared);
    koa.use(securityHeaders({ https: false }));
    koa.use((ctx, next) => mount(providers[current]!)(ctx, next));
    app = await listen(koa.callback());
    // oidc-provider on its own, as it answers without admit in front.
    bare = await listen((req, res) => providers[current]!.callback()(req, res));
  });
  afterAll(async () => {
    await new Promise((resolve) => app.close(resolve));
    await new Promise((resolve) => bare.close(resolve));
  });

  // Discovery's URLs follow the request's host: ask the bare provider under admit's.
  const bareAnswer = (path: string) => get(portOf(bare), path, { host: `127.0.0.1:${portOf(app)}` });

  for (const path of [DISCOVERY, '/jwks']) {
    it(`${path}: the same document oidc-provider answers, first from the chain and then from kept bytes`, async () => {
      const expected = await bareAnswer(path);
      assert.equal(expected.status, 200);
      const first = await get(portOf(app), path);
      const second = await get(portOf(app), path);
      for (const answer of [first, second]) {
        assert.equal(answer.status, 200);
        assert.deepEqual(JSON.parse(answer.body), JSON.parse(expected.body));
        assert.equal(answer.headers['content-type'], expected.headers['content-type']);
        assert.equal(answer.headers['access-control-allow-origin'], '*', 'CORS as oidc-provider answers it without an Origin');
        assert.match(String(answer.headers.vary), /Origin/);
        assert.equal(answer.headers['x-content-type-options'], 'nosniff', 'the security headers a JSON answer carries');
        assert.match(String(answer.headers['content-security-policy']), /frame-ancestors 'none'/);
        assert.equal(answer.headers['cache-control'], 'public, max-age=60');
        assert.equal(answer.headers['content-length'], String(Buffer.byteLength(answer.body)));
      }
      assert.equal(second.body, first.body, 'the same bytes');
      assert.equal(second.headers.etag, first.headers.etag);
      assert.equal(first.headers.etag, strongEtag(Buffer.from(first.body)));
      assert.ok(!String(first.headers.etag).startsWith('W/'), 'a strong ETag');
    });
  }

  it('answers If-None-Match with 304, echoes an Origin as oidc-provider does, and answers HEAD without a body', async () => {
    const { headers } = await get(portOf(app), '/jwks');
    const etag = String(headers.etag);
    const notModified = await get(portOf(app), '/jwks', { 'if-none-match': `"other", ${etag}` });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.body, '');
    assert.equal(notModified.headers.etag, etag);
    assert.equal(notModified.headers['cache-control'], 'public, max-age=60');
    assert.equal((await get(portOf(app), '/jwks', { 'if-none-match': '"stale"' })).status, 200);
    const cors = await get(portOf(app), DISCOVERY, { origin: 'https://rp.example' });
    const bareCors = await get(portOf(bare), DISCOVERY, { origin: 'https://rp.example', host: `127.0.0.1:${portOf(app)}` });
    assert.equal(cors.headers['access-control-allow-origin'], bareCors.headers['access-control-allow-origin']);
    assert.equal(cors.headers['access-control-allow-origin'], 'https://rp.example');
    const head = await get(portOf(app), '/jwks', {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal(head.headers.etag, etag);
  });

  it('leaves preflights and other paths to the chain', async () => {
    const preflight = await get(portOf(app), '/jwks', { origin: 'https://rp.example', 'access-control-request-method': 'GET' }, 'OPTIONS');
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers['access-control-allow-methods'], 'GET');
    assert.equal((await get(portOf(app), '/jwks/x')).status, 404);
  });

  it('builds new bytes when the signing keys change (version), and at once on invalidate()', async () => {
    const before = await get(portOf(app), '/jwks');
    current = 1; // another key set answers now; until the version moves, the kept bytes stand
    assert.equal((await get(portOf(app), '/jwks')).body, before.body);
    version += 1;
    const after = await get(portOf(app), '/jwks');
    assert.deepEqual(JSON.parse(after.body), JSON.parse((await bareAnswer('/jwks')).body));
    assert.notEqual(after.body, before.body);
    assert.notEqual(after.headers.etag, before.headers.etag);
    assert.equal((await get(portOf(app), '/jwks', { 'if-none-match': String(before.headers.etag) })).status, 200, 'the old ETag is stale');
    assert.equal((await get(portOf(app), '/jwks')).body, after.body);

    current = 0;
    prepared.invalidate();
    assert.equal((await get(portOf(app), '/jwks')).body, before.body);
  });
});

describe("prepared bytes and the chain's own Cache-Control", () => {
  it("keeps a Cache-Control the chain set (the live keys' JWKS max-age), a default otherwise, and keeps nothing that set a cookie", async () => {
    const koa = new Koa();
    koa.use(preparedDocuments({ paths: ['/jwks', '/other', '/cookie'] }));
    koa.use((ctx) => {
      if (ctx.path === '/jwks') ctx.set('Cache-Control', 'public, max-age=5');
      if (ctx.path === '/cookie') ctx.cookies.set('x', 'y');
      ctx.body = { path: ctx.path, at: process.hrtime.bigint().toString() };
    });
    const server = await listen(koa.callback());
    try {
      for (let i = 0; i < 2; i += 1) {
        assert.equal((await get(portOf(server), '/jwks')).headers['cache-control'], 'public, max-age=5');
        assert.equal((await get(portOf(server), '/other')).headers['cache-control'], 'public, max-age=60');
      }
      const [a, b] = [await get(portOf(server), '/cookie'), await get(portOf(server), '/cookie')];
      assert.notEqual(a.body, b.body, 'an answer with Set-Cookie is never kept');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('If-None-Match', () => {
  it('compares weakly: the tag, the tag marked W/, a list, or *', () => {
    assert.equal(matches('"a"', '"a"'), true);
    assert.equal(matches('W/"a"', '"a"'), true);
    assert.equal(matches('"b" , "a"', '"a"'), true);
    assert.equal(matches('*', '"a"'), true);
    assert.equal(matches('', '"a"'), false);
    assert.equal(matches('"ab"', '"a"'), false);
  });
});
