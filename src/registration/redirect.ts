import type { Context } from 'koa';

/** A 303 to another registration page: every POST answers with one, and a page out of order sends the browser on. */
export function redirect(ctx: Context, path: string): void {
  ctx.status = 303;
  ctx.redirect(path);
}
