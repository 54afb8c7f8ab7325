import type { Context, Middleware } from 'koa';
import { messages } from '../errors/messages.ts';
import { toAppError } from '../http/error-handler.ts';

/** One field's complaint in a 400 problem: where (a JSON Pointer into the body or query) and what. */
export interface FieldProblem {
  pointer: string;
  detail: string;
}

/**
 * An RFC 9457 problem the API answers with. `code` names the kind (its
 * `type` is urn:admit:problem:<code>); `headers` go with it (WWW-Authenticate,
 * Retry-After).
 */
export class ApiProblem extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly extra: { errors?: FieldProblem[]; headers?: Record<string, string> };
  constructor(status: number, code: string, detail: string, extra: { errors?: FieldProblem[]; headers?: Record<string, string> } = {}) {
    super(detail);
    this.name = 'ApiProblem';
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.extra = extra;
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Any failure as a problem: admit's own errors keep their catalogue message; causes are logged, never shown. */
export function problemOf(caught: unknown): ApiProblem {
  if (caught instanceof ApiProblem) return caught;
  const error = toAppError(caught);
  const headers: Record<string, string> = error.status === 503 ? { 'retry-after': '5' } : {};
  return new ApiProblem(error.status, error.code, error.expose ? messages[error.code] : messages.internal, { headers });
}

/** Writes the problem as the response (application/problem+json). */
export function writeProblem(ctx: Context, problem: ApiProblem): void {
  ctx.status = problem.status;
  for (const [name, value] of Object.entries(problem.extra.headers ?? {})) ctx.set(name, value);
  ctx.type = 'application/problem+json';
  ctx.body = {
    type: `urn:admit:problem:${problem.code}`,
    title: TITLES[problem.status] ?? 'Error',
    status: problem.status,
    detail: problem.detail,
    instance: ctx.path,
    ...(problem.extra.errors ? { errors: problem.extra.errors } : {}),
    ...(ctx.state.requestId === undefined ? {} : { request_id: String(ctx.state.requestId) }),
  };
}

/** The API's error path: every failure under /api/v1 is a problem document, never a page. */
export function problems(): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body == null) throw new ApiProblem(404, 'not_found', messages.not_found);
    } catch (caught) {
      const problem = problemOf(caught);
      if (problem.status >= 500) ctx.state.log?.error({ err: caught }, 'api request failed');
      writeProblem(ctx, problem);
    }
  };
}
