import { describe, it } from 'vitest';
import assert from 'node:assert/strict';
import { parseMultipart } from './multipart.ts';

describe('multipart form parsing', () => {
  const boundary = '----admitBoundary42';
  const part = (headers: string, body: string) => `--${boundary}\r\n${headers}\r\n\r\n${body}\r\n`;

  it('reads text fields and a file, keeping the file bytes as sent', () => {
    const body = Buffer.from(
      part('Content-Disposition: form-data; name="_csrf"', 'token-1')
      + part('Content-Disposition: form-data; name="site"', 'DEMO')
      + part('Content-Disposition: form-data; name="file"; filename="people.csv"\r\nContent-Type: text/csv', 'email,name\r\nann@example.com,"Ann, A."\r\n')
      + `--${boundary}--\r\n`,
    );
    const { fields, files } = parseMultipart(body, boundary);
    assert.deepEqual(fields, { _csrf: 'token-1', site: 'DEMO' });
    assert.equal(files.file?.filename, 'people.csv');
    assert.equal(files.file?.contentType, 'text/csv');
    assert.equal(files.file?.data.toString(), 'email,name\r\nann@example.com,"Ann, A."\r\n');
  });

  it('keeps the first of repeated fields, and refuses a body that is not multipart', () => {
    const body = Buffer.from(part('Content-Disposition: form-data; name="a"', '1') + part('Content-Disposition: form-data; name="a"', '2') + `--${boundary}--`);
    assert.deepEqual(parseMultipart(body, boundary).fields, { a: '1' });
    assert.throws(() => parseMultipart(Buffer.from('name=value'), boundary), { code: 'invalid_form' });
    assert.throws(() => parseMultipart(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="x"\r\n\r\nno end`), boundary), { code: 'invalid_form' });
  });
});
