import type { Context, Middleware } from 'koa';
import { errors as oidcErrors } from 'oidc-provider';
import { AppError } from '../errors/app-error.ts';
import { type MessageCode, messages, messageText } from '../errors/messages.ts';
import { text } from '../i18n/text.ts';
import { StoreUnavailableError } from '../store/port.ts';
import type { Renderer } from './render.ts';

/**
 * The one error path for admit's own routes: every failure becomes a page or
 * JSON (by Accept) with the right status and a message from the catalogue.
 * Causes are logged, never shown.
 */
export function errorHandler(render: Renderer): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new AppError('not_found', 404);
    } catch (caught) {
      const error = toAppError(caught);
      if (error.status >= 500) ctx.state.log?.error({ err: caught }, 'request failed');
      else ctx.state.log?.info({ code: error.code }, 'request refused');
      await respond(ctx, render, error);
    }
  };
}

export function toAppError(caught: unknown): AppError {
  if (caught instanceof AppError) return caught;
  if (caught instanceof oidcErrors.SessionNotFound) return new AppError('interaction_expired', 400, { cause: caught });
  if (caught instanceof StoreUnavailableError) return new AppError('store_unavailable', 503, { cause: caught });
  const status = (caught as { status?: number }).status;
  if (status === 413) return new AppError('payload_too_large', 413, { cause: caught });
  if (status === 415 || status === 400) return new AppError('invalid_form', 400, { cause: caught });
  if (status === 405) return new AppError('method_not_allowed', 405, { cause: caught });
  return new AppError('internal', 500, { cause: caught });
}

// The error page's heading for these codes (keys of the `common` namespace's errorPage); others by status.
const headings: Partial<Record<MessageCode, string>> = {
  interaction_expired: 'errorPage.restart',
  store_unavailable: 'errorPage.unavailable',
  directory_unavailable: 'errorPage.directoryUnavailable',
  not_found: 'errorPage.notFound',
};

export async function respond(ctx: Context, render: Renderer, error: AppError): Promise<void> {
  ctx.status = error.status;
  if (error.status === 503) ctx.set('retry-after', '5');
  const message = error.expose ? messages[error.code] : messages.internal;
  if (ctx.accepts('html', 'json') === 'json') {
    ctx.body = { error: error.code, error_description: message, request_id: ctx.state.requestId };
    return;
  }
  const heading = text(headings[error.code] ?? (error.status >= 500 ? 'errorPage.wentWrong' : 'errorPage.didNotWork'));
  await render(ctx, 'error', { title: heading, heading, message: messageText(error.expose ? error.code : 'internal') });
}
