import type { Context, Middleware } from 'koa';
import { AppError } from '../errors/app-error.ts';

export interface UploadedFile {
  filename: string;
  contentType: string;
  data: Buffer;
}

/**
 * A small multipart/form-data reader for the console's one upload (the
 * invitation CSV): the whole body is read up to `limitBytes`, then split on
 * the boundary. Text fields land in ctx.request.body (so the CSRF check
 * reads `_csrf` as for any form), files in ctx.state.files.
 */
export function multipartForm({ limitBytes }: { limitBytes: number }): Middleware {
  return async (ctx, next) => {
    const boundary = /^multipart\/form-data;.*\bboundary=(?:"([^"]+)"|([^\s;]+))/i.exec(ctx.get('content-type'));
    const value = boundary?.[1] ?? boundary?.[2];
    if (!value || value.length > 200) throw new AppError('invalid_form', 400);
    const body = await readBody(ctx, limitBytes);
    const { fields, files } = parseMultipart(body, value);
    ctx.request.body = fields;
    ctx.state.files = files;
    await next();
  };
}

async function readBody(ctx: Context, limitBytes: number): Promise<Buffer> {
  const declared = Number(ctx.get('content-length') || '0');
  if (declared > limitBytes) throw new AppError('payload_too_large', 413);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > limitBytes) throw new AppError('payload_too_large', 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function parseMultipart(body: Buffer, boundary: string): { fields: Record<string, string>; files: Record<string, UploadedFile> } {
  const fields: Record<string, string> = {};
  const files: Record<string, UploadedFile> = {};
  const delimiter = Buffer.from(`--${boundary}`);
  let position = body.indexOf(delimiter);
  if (position < 0) throw new AppError('invalid_form', 400);
  for (;;) {
    position += delimiter.length;
    // "--" after a delimiter closes the body.
    if (body.subarray(position, position + 2).toString() === '--') break;
    const headersEnd = body.indexOf('\r\n\r\n', position);
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), position);
    if (headersEnd < 0 || next < 0 || headersEnd > next) throw new AppError('invalid_form', 400);
    const headers = body.subarray(position, headersEnd).toString('utf8');
    const content = body.subarray(headersEnd + 4, next);
    const disposition = /content-disposition:\s*form-data;([^\r\n]*)/i.exec(headers)?.[1] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    if (name !== undefined && !(name in fields) && !(name in files)) {
      if (filename !== undefined) {
        const contentType = /content-type:\s*([^\r\n]*)/i.exec(headers)?.[1]?.trim() ?? 'application/octet-stream';
        files[name] = { filename: filename.slice(0, 200), contentType, data: Buffer.from(content) };
      } else {
        fields[name] = content.toString('utf8');
      }
    }
    position = next + 2;
  }
  return { fields, files };
}
