import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import Koa from 'koa';
import { afterEach, describe, it } from 'vitest';
import { preparedDocuments } from './prepared-documents.ts';

/**
 * What the chain behind the prepared documents may answer and what is kept
 * of it: bytes, text, JSON are kept; a stream, an error or a cookie never
 * are; an answer that raced a key change is sent but not kept; origins past
 * the limit go through the chain; multi-valued headers survive the copy.
 */
interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Answer> {
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

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A Koa app with the prepared documents in front of `chain`; counts how often the chain answered. */
async function appWith(chain: Koa.Middleware, options: { version?: () => unknown; maxOrigins?: number; proxy?: boolean } = {}) {
  const koa = new Koa({ proxy: options.proxy ?? false });
  const calls = { chain: 0 };
  const prepared = preparedDocuments({ paths: ['/doc'], version: options.version, maxOrigins: options.maxOrigins });
  koa.use(prepared);
  koa.use(async (ctx, next) => {
    calls.chain += 1;
    await chain(ctx, next);
  });
  const server = await new Promise<Server>((resolve) => {
    const s = createServer(koa.callback());
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  return { port: (server.address() as AddressInfo).port, calls, prepared };
}

describe('prepared documents: what the chain answered decides what is kept', () => {
  it('a Buffer and a text body are kept as their bytes; the second GET does not reach the chain', async () => {
    for (const body of [Buffer.from('{"kind":"buffer"}'), '{"kind":"text"}']) {
      const { port, calls } = await appWith((ctx) => {
        ctx.type = 'application/json';
        ctx.body = body;
      });
      const first = await get(port, '/doc');
      const second = await get(port, '/doc');
      assert.equal(second.status, 200);
      assert.equal(second.body, String(body));
      assert.equal(second.headers.etag, first.headers.etag);
      assert.equal(calls.chain, 1, `${typeof body}: answered from kept bytes`);
    }
  });

  it('a streamed body and an error answer are sent as the chain gave them and never kept', async () => {
    const streamed = await appWith((ctx) => {
      ctx.type = 'application/json';
      ctx.body = Readable.from(['{"kind":', '"stream"}']);
    });
    for (let i = 0; i < 2; i += 1) assert.equal((await get(streamed.port, '/doc')).body, '{"kind":"stream"}');
    assert.equal(streamed.calls.chain, 2);
    assert.equal((await get(streamed.port, '/doc')).headers.etag, undefined, 'no validator on what is not kept');

    const failing = await appWith((ctx) => {
      ctx.status = 503;
      ctx.body = { error: 'temporarily_unavailable' };
    });
    for (let i = 0; i < 2; i += 1) assert.equal((await get(failing.port, '/doc')).status, 503);
    assert.equal(failing.calls.chain, 2);
  });

  it('headers the chain set more than once are kept joined', async () => {
    const { port } = await appWith((ctx) => {
      ctx.set('Link', ['</a>; rel="a"', '</b>; rel="b"']);
      ctx.body = { ok: true };
    });
    await get(port, '/doc');
    const kept = await get(port, '/doc');
    assert.equal(kept.headers.link, '</a>; rel="a", </b>; rel="b"');
  });

  it('an answer that raced a key change goes out with its validators but is not kept', async () => {
    let version = 1;
    const { port, calls } = await appWith(
      (ctx) => {
        version += 1; // the keys rotate while the chain answers
        ctx.body = { version };
      },
      { version: () => version },
    );
    const first = await get(port, '/doc');
    assert.equal(first.status, 200);
    assert.ok(first.headers.etag);
    await get(port, '/doc');
    assert.equal(calls.chain, 2, 'the raced answer was not kept');
  });

  it("the same document built again after invalidate() answers an If-None-Match with 304 from the chain's answer", async () => {
    const { port, calls, prepared } = await appWith((ctx) => {
      ctx.body = { stable: true };
    });
    const { headers } = await get(port, '/doc');
    prepared.invalidate();
    const revalidated = await get(port, '/doc', { 'if-none-match': String(headers.etag) });
    assert.equal(revalidated.status, 304);
    assert.equal(revalidated.body, '');
    assert.equal(calls.chain, 2);
  });

  it('keeps the bytes per origin the request was sent to, whatever its Origin header says', async () => {
    const { port, calls } = await appWith(
      (ctx) => {
        ctx.body = { issuer: `${ctx.protocol}://${ctx.host}` };
      },
      { proxy: true },
    );
    const as = (host: string, origin?: string) => get(port, '/doc', { 'x-forwarded-host': host, 'x-forwarded-proto': 'https', ...(origin ? { origin } : {}) });
    assert.deepEqual(JSON.parse((await as('a.example.com')).body), { issuer: 'https://a.example.com' });
    assert.deepEqual(JSON.parse((await as('b.example.com')).body), { issuer: 'https://b.example.com' }, "another host does not get the first host's document");
    const fromRp = await as('a.example.com', 'https://rp.example');
    assert.deepEqual(JSON.parse(fromRp.body), { issuer: 'https://a.example.com' });
    assert.equal(fromRp.headers['access-control-allow-origin'], 'https://rp.example');
    assert.equal(calls.chain, 2, 'an Origin header does not make a new copy');
  });

  it('keeps at most maxOrigins origins; another origin goes through the chain every time', async () => {
    const { port, calls } = await appWith(
      (ctx) => {
        ctx.body = { origin: `${ctx.protocol}://${ctx.host}` };
      },
      { maxOrigins: 1, proxy: true },
    );
    const as = (host: string) => get(port, '/doc', { 'x-forwarded-host': host, 'x-forwarded-proto': 'https' });
    assert.deepEqual(JSON.parse((await as('id.example.com')).body), { origin: 'https://id.example.com' });
    await as('id.example.com');
    assert.equal(calls.chain, 1);
    for (let i = 0; i < 2; i += 1) assert.deepEqual(JSON.parse((await as('other.example.com')).body), { origin: 'https://other.example.com' });
    assert.equal(calls.chain, 3, 'the origin past the limit is not kept');
    await as('id.example.com');
    assert.equal(calls.chain, 3, 'the first origin is still answered from its bytes');
  });
});
