import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'vitest';
import { type MultipartLimits, readMultipart } from './multipart.ts';

const boundary = '----admitBoundary42';
const part = (headers: string, body: string) => `--${boundary}\r\n${headers}\r\n\r\n${body}\r\n`;
const end = `--${boundary}--\r\n`;
const headers = { 'content-type': `multipart/form-data; boundary=${boundary}` };

function read(body: string | Buffer, limits: Partial<MultipartLimits> = {}, chunkBytes = 0) {
  const bytes = Buffer.from(body);
  // In pieces, as a socket delivers it (a boundary or a header may straddle two chunks).
  const chunks = chunkBytes
    ? Array.from({ length: Math.ceil(bytes.length / chunkBytes) }, (_, i) => bytes.subarray(i * chunkBytes, (i + 1) * chunkBytes))
    : [bytes];
  return readMultipart(Readable.from(chunks), headers, { limitBytes: 64 * 1024, ...limits });
}

describe('multipart form parsing (busboy)', () => {
  it('reads text fields and a file, keeping the file bytes as sent, whatever the chunking', async () => {
    const body =
      part('Content-Disposition: form-data; name="_csrf"', 'token-1') +
      part('Content-Disposition: form-data; name="site"', 'DEMO') +
      part('Content-Disposition: form-data; name="file"; filename="people.csv"\r\nContent-Type: text/csv', 'email,name\r\nann@example.com,"Ann, A."\r\n') +
      end;
    for (const chunkBytes of [0, 1, 7]) {
      const { fields, files } = await read(body, {}, chunkBytes);
      assert.deepEqual({ ...fields }, { _csrf: 'token-1', site: 'DEMO' });
      assert.equal(files.file?.filename, 'people.csv');
      assert.equal(files.file?.contentType, 'text/csv');
      assert.equal(files.file?.data.toString(), 'email,name\r\nann@example.com,"Ann, A."\r\n');
    }
  });

  it('keeps the first of repeated fields, and refuses a body that is not multipart', async () => {
    const { fields } = await read(part('Content-Disposition: form-data; name="a"', '1') + part('Content-Disposition: form-data; name="a"', '2') + end);
    assert.deepEqual({ ...fields }, { a: '1' });
    await assert.rejects(
      readMultipart(Readable.from([Buffer.from('name=value')]), { 'content-type': 'application/x-www-form-urlencoded' }, { limitBytes: 1024 }),
      { code: 'invalid_form' },
    );
    await assert.rejects(readMultipart(Readable.from([Buffer.from('x')]), { 'content-type': 'multipart/form-data' }, { limitBytes: 1024 }), {
      code: 'invalid_form',
    });
    await assert.rejects(read(`--${boundary}\r\nContent-Disposition: form-data; name="x"\r\n\r\nno end`), { code: 'invalid_form' });
  });

  it('reads filename*= (RFC 5987) and a UTF-8 filename', async () => {
    const { files } = await read(
      part(`Content-Disposition: form-data; name="file"; filename="fallback.csv"; filename*=UTF-8''Einladungen%20M%C3%A4rz.csv`, 'email\r\n') +
        part('Content-Disposition: form-data; name="other"; filename="Ünïcode.csv"', 'x') +
        end,
      { files: 2 },
    );
    assert.equal(files.file?.filename, 'Einladungen März.csv');
    assert.equal(files.other?.filename, 'Ünïcode.csv');
  });

  it('keeps fields named like Object.prototype members as plain fields', async () => {
    const { fields, files } = await read(
      part('Content-Disposition: form-data; name="constructor"', 'c') +
        part('Content-Disposition: form-data; name="__proto__"', 'p') +
        part('Content-Disposition: form-data; name="toString"', 't') +
        part('Content-Disposition: form-data; name="hasOwnProperty"; filename="h.csv"', 'h') +
        end,
    );
    assert.equal(fields.constructor, 'c');
    // biome-ignore lint/suspicious/noProto: a field named __proto__ is what this test sends
    assert.equal(fields.__proto__, 'p');
    assert.equal(fields.toString, 't');
    assert.equal(Object.getPrototypeOf(fields), null, 'nothing was set on a prototype');
    assert.equal(({} as Record<string, unknown>).p, undefined);
    assert.equal(
      Object.entries(files)
        .find(([name]) => name === 'hasOwnProperty')?.[1]
        .data.toString(),
      'h',
    );
  });

  it('refuses with 413 a file, a field, or a body past its limit, and more files or fields than allowed', async () => {
    const file = (size: number) => part('Content-Disposition: form-data; name="file"; filename="a.csv"', 'x'.repeat(size));
    assert.ok(await read(file(900) + end, { limitBytes: 1024 }));
    await assert.rejects(read(file(2000) + end, { limitBytes: 1024 }, 100), { code: 'payload_too_large', status: 413 });
    await assert.rejects(read(part('Content-Disposition: form-data; name="a"', 'y'.repeat(100)) + end, { fieldBytes: 50 }), { code: 'payload_too_large' });
    await assert.rejects(read(file(10) + part('Content-Disposition: form-data; name="second"; filename="b.csv"', 'z') + end), { code: 'payload_too_large' });
    const many = Array.from({ length: 4 }, (_, i) => part(`Content-Disposition: form-data; name="f${i}"`, 'v')).join('');
    assert.ok(await read(many + end, { fields: 4 }));
    await assert.rejects(read(many + end, { fields: 3 }), { code: 'payload_too_large' });
  });
});
