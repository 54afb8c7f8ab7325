import { join } from 'node:path';
import ejs from 'ejs';
import type { Context } from 'koa';

export type Renderer = (ctx: Context, view: string, data: Record<string, unknown> & { title: string }) => Promise<void>;

/**
 * Server-rendered pages: a view from views/ inside views/layout.ejs. EJS
 * escapes every `<%= %>` value; only trusted fragments use `<%- %>`.
 */
export function createRenderer({ viewsDir, cache }: { viewsDir: string; cache: boolean }): Renderer {
  const options = { cache, root: viewsDir } as const;
  return async (ctx, view, data) => {
    const locals = { requestId: String(ctx.state.requestId ?? ''), ...data };
    const body = await ejs.renderFile(join(viewsDir, `${view}.ejs`), locals, options);
    ctx.type = 'html';
    ctx.set('cache-control', 'no-store');
    ctx.body = await ejs.renderFile(join(viewsDir, 'layout.ejs'), { ...locals, body }, options);
  };
}
