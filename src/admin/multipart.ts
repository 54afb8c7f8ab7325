import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import busboy from 'busboy';
import type { Middleware } from 'koa';
import { AppError } from '../errors/app-error.ts';

export interface UploadedFile {
  filename: string;
  contentType: string;
  data: Buffer;
}

/** Null-prototype records: a field named `constructor` or `__proto__` is a field like any other. */
export interface MultipartForm {
  fields: Record<string, string>;
  files: Record<string, UploadedFile>;
}

export interface MultipartLimits {
  /** The whole body, and so every file. */
  limitBytes: number;
  /** Each text field (the CSRF token, a site id, a number of days). */
  fieldBytes?: number;
  fields?: number;
  files?: number;
}

/**
 * multipart/form-data for the console's upload (the invitation CSV), read by
 * busboy as it streams in: headers parsed per RFC 7578 (quoted names,
 * `filename*=` in any charset), and the request refused with 413 the moment a
 * limit is passed rather than after reading the rest. Text fields land in
 * ctx.request.body (so the CSRF check reads `_csrf` as for any form), files
 * in ctx.state.files.
 */
export function multipartForm(limits: MultipartLimits): Middleware {
  return async (ctx, next) => {
    if (Number(ctx.get('content-length') || '0') > limits.limitBytes) throw new AppError('payload_too_large', 413);
    const form = await readMultipart(ctx.req, ctx.req.headers, limits);
    ctx.request.body = form.fields;
    ctx.state.files = form.files;
    await next();
  };
}

export function readMultipart(body: Readable, headers: IncomingHttpHeaders, limits: MultipartLimits): Promise<MultipartForm> {
  const fields: Record<string, string> = Object.create(null);
  const files: Record<string, UploadedFile> = Object.create(null);
  const maxFiles = limits.files ?? 1;
  const maxFields = limits.fields ?? 20;
  // busboy reads urlencoded forms too; this upload is multipart only.
  if (!/^multipart\/form-data\s*;/i.test(headers['content-type'] ?? '')) return Promise.reject(new AppError('invalid_form', 400));
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers,
      // A plain filename="…" with UTF-8 bytes is read as UTF-8 (browsers send them so), not latin1.
      defParamCharset: 'utf8',
      // One more than allowed, so going past the limit is seen (busboy's own events say only that it stopped).
      limits: {
        fileSize: limits.limitBytes,
        fieldSize: limits.fieldBytes ?? 8 * 1024,
        files: maxFiles + 1,
        fields: maxFields + 1,
        parts: maxFiles + maxFields + 2,
      },
    });
  } catch (cause) {
    // Not multipart, or no boundary.
    return Promise.reject(new AppError('invalid_form', 400, { cause }));
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    let received = 0;
    let fieldCount = 0;
    let fileCount = 0;
    const fail = (error: AppError) => {
      if (settled) return;
      settled = true;
      body.unpipe(parser);
      // The rest of the body is read and dropped, so the answer reaches a client still sending.
      body.resume();
      reject(error);
    };
    const tooLarge = () => fail(new AppError('payload_too_large', 413));
    body.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > limits.limitBytes) tooLarge();
    });
    body.on('error', (cause) => fail(new AppError('invalid_form', 400, { cause })));
    parser.on('field', (name, value, info) => {
      fieldCount += 1;
      if (info.valueTruncated || fieldCount > maxFields) return tooLarge();
      // The first of repeated fields counts, as before.
      if (!(name in fields) && !(name in files)) fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      fileCount += 1;
      if (fileCount > maxFiles) {
        stream.resume();
        return tooLarge();
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', tooLarge);
      stream.on('end', () => {
        if (settled || stream.truncated || name in fields || name in files) return;
        files[name] = { filename: (info.filename ?? '').slice(0, 200), contentType: info.mimeType || 'application/octet-stream', data: Buffer.concat(chunks) };
      });
    });
    parser.on('filesLimit', tooLarge);
    parser.on('fieldsLimit', tooLarge);
    parser.on('partsLimit', tooLarge);
    parser.on('error', (cause) => fail(new AppError('invalid_form', 400, { cause: cause as Error })));
    parser.on('close', () => {
      if (settled) return;
      settled = true;
      resolve({ fields, files });
    });
    body.pipe(parser);
  });
}
