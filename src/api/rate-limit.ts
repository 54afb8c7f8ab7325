import type { Middleware } from 'koa';
import type { Throttle } from '../services/throttle.ts';
import { callerOf } from './bearer.ts';
import { ApiProblem } from './problem.ts';

const WINDOW_SECONDS = 60;

/**
 * Requests per API client over the last minute (a sliding window in the
 * store, so the limit holds across instances): past the limit, 429 with
 * Retry-After, and the call does nothing; only the first refusal in a
 * window is audited.
 */
export function rateLimit(deps: { throttle: Throttle; perMinute: number; now?: () => number }): Middleware {
  const now = deps.now ?? Date.now;
  return async (ctx, next) => {
    const { client } = callerOf(ctx);
    const count = await deps.throttle.hit(`api:${client.clientId}`, WINDOW_SECONDS);
    ctx.set('ratelimit-limit', String(deps.perMinute));
    if (count > deps.perMinute) {
      // The first refusal of a window is audited (router.ts); the rest of a flood is not, so it cannot fill the audit log.
      if (count > deps.perMinute + 1) ctx.state.apiUnaudited = true;
      // The previous window's share fades out over this one: by its end the count has room again.
      const retryAfter = Math.max(1, Math.ceil(WINDOW_SECONDS - (now() % (WINDOW_SECONDS * 1000)) / 1000));
      throw new ApiProblem(429, 'rate_limited', `More than ${deps.perMinute} requests a minute from this client; try again in ${retryAfter} s.`, {
        headers: { 'retry-after': String(retryAfter) },
      });
    }
    await next();
  };
}
