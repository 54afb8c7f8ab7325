import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** The request's id: the caller's X-Request-Id when it is well formed, else a new one. */
export function requestIdOf(ctx: { get(name: string): string }): string {
  const incoming = ctx.get('x-request-id');
  return SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * A request's `ctx.state`: its id, and a logger carrying the id, made the
 * first time something logs through it (an error, a refusal). Most requests
 * log only their one line, and a pino child per request was a measurable
 * share of a protocol request's cost.
 */
class RequestState {
  readonly requestId: string;
  readonly #logger: Logger;
  #log: Logger | undefined;

  constructor(logger: Logger, requestId: string) {
    this.#logger = logger;
    this.requestId = requestId;
  }

  get log(): Logger {
    this.#log ??= this.#logger.child({ requestId: this.requestId });
    return this.#log;
  }
}

/** Told of every answered request (the HTTP latency metric). */
export type RequestObserver = (method: string, path: string, status: number, seconds: number) => void;

/**
 * Gives every request an id (the caller's X-Request-Id when it is well formed)
 * and a logger carrying it (`ctx.state.log`); logs one line per request when
 * it ends, and tells the observer how long it took.
 */
export function requestContext(logger: Logger, observe: RequestObserver): Middleware {
  return async (ctx, next) => {
    const requestId = requestIdOf(ctx);
    ctx.state = new RequestState(logger, requestId);
    ctx.set('x-request-id', requestId);
    const started = performance.now();
    try {
      await next();
    } finally {
      const ms = performance.now() - started;
      const { method, path, status } = ctx;
      observe(method, path, status, ms / 1000);
      // The line the child logger would write, without making one.
      logger.info({ requestId, method, path, status, ms: Math.round(ms) }, 'request');
    }
  };
}
