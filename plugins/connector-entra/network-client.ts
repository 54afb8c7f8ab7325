import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

/** Larger answers are not Microsoft's: refused unread past this size. */
const MAX_BODY_BYTES = 1_000_000;
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/** Microsoft could not be reached or answered with a failure of its own (5xx, 429, not JSON). */
export class UpstreamUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UpstreamUnavailableError';
  }
}

/**
 * Only https, except to a literal loopback host (the local stand-in used in
 * development and tests): a token or key never travels in clear text.
 */
export function isSafeUrl(url: string): boolean {
  const parsed = new URL(url);
  return parsed.protocol === 'https:' || (parsed.protocol === 'http:' && LOOPBACK.test(parsed.hostname));
}

export function assertSafeUrl(url: string): void {
  if (!isSafeUrl(url)) throw new UpstreamUnavailableError(`refusing ${new URL(url).origin}: Microsoft endpoints must use https`);
}

/**
 * MSAL's network module with a timeout on every request (its own sets none on
 * POST: a token endpoint that never answers would hang the sign-in). Failures
 * are recorded in `failures` because MSAL wraps foreign errors into a generic
 * network error, and the connector wants to say which call failed and how.
 */
export function createNetworkClient({ timeoutMs }: { timeoutMs: number }): INetworkModule & { failures: string[]; getJson(url: string): Promise<unknown> } {
  const failures: string[] = [];

  async function send<T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    assertSafeUrl(url);
    const where = `${method} ${new URL(url).host}${new URL(url).pathname}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: options?.headers,
        body: method === 'POST' ? (options?.body ?? '') : undefined,
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const timedOut = (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError';
      return fail(timedOut ? `${where}: no answer within ${timeoutMs} ms` : `${where}: ${(error as Error).message}`, error);
    }
    if (response.status >= 500 || response.status === 429) {
      await response.body?.cancel().catch(() => undefined);
      return fail(`${where}: answered ${response.status}`);
    }
    const text = await readLimited(response).catch((error: unknown) => fail(`${where}: ${(error as Error).message}`, error));
    let body: T;
    try {
      body = JSON.parse(text) as T;
    } catch (error) {
      return fail(`${where}: answered ${response.status} with something other than JSON`, error);
    }
    const headers: Record<string, string> = {};
    for (const [key, value] of response.headers) headers[key] = value;
    return { status: response.status, headers, body };
  }

  function fail(reason: string, cause?: unknown): never {
    failures.push(reason);
    throw new UpstreamUnavailableError(reason, { cause });
  }

  return {
    failures,
    sendGetRequestAsync: (url, options) => send('GET', url, options),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
    /** A GET that must answer 200 with JSON (discovery, keys). */
    async getJson(url: string): Promise<unknown> {
      const response = await send<unknown>('GET', url);
      if (response.status !== 200) fail(`GET ${new URL(url).host}${new URL(url).pathname}: answered ${response.status}`);
      return response.body;
    },
  };
}

async function readLimited(response: Response): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) throw new Error(`answer of ${declared} bytes is too large`);
  const buffer = Buffer.from(await response.arrayBuffer());
  if (buffer.length > MAX_BODY_BYTES) throw new Error(`answer of ${buffer.length} bytes is too large`);
  return buffer.toString('utf8');
}
