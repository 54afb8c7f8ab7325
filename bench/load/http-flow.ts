import { Agent, request as httpRequest } from 'node:http';
import { type FlowContext, type HttpRequest, type HttpResponse, newContext, normaliseHeaders, type Step } from './script.ts';

class StaleSocketError extends Error {
  constructor(cause: Error) {
    super(`stale keep-alive socket: ${cause.message}`, { cause });
  }
}

/**
 * Runs a script's steps one after another over node:http (keep-alive), for
 * the open-model runner and for building pools before a timed run.
 */
export function createHttpClient(origin: string, maxSockets = 256) {
  const { hostname, port } = new URL(origin);
  const agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });

  function sendOnce(req: HttpRequest): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        {
          hostname,
          port,
          agent,
          method: req.method,
          path: req.path,
          headers: req.body === undefined ? req.headers : { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) },
          timeout: 30_000,
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('end', () =>
            resolve({
              status: incoming.statusCode ?? 0,
              headers: normaliseHeaders(incoming.headers as Record<string, string | string[] | undefined>),
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          incoming.on('error', reject);
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error('request timed out')));
      outgoing.on('error', (error: NodeJS.ErrnoException) => {
        // The server closed an idle keep-alive socket just as it was reused: the request never
        // reached it, so sending it again is safe (Node's documented pattern for reusedSocket).
        reject(outgoing.reusedSocket && (error.code === 'ECONNRESET' || error.code === 'EPIPE') ? new StaleSocketError(error) : error);
      });
      outgoing.end(req.body);
    });
  }

  async function send(req: HttpRequest): Promise<HttpResponse> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await sendOnce(req);
      } catch (error) {
        if (!(error instanceof StaleSocketError) || attempt >= 3) throw error;
      }
    }
  }

  /** Runs every step; resolves with the context when all passed, or with the failing step. */
  async function runFlow(
    steps: readonly Step[],
    context: FlowContext = newContext(),
  ): Promise<{ ok: true; context: FlowContext } | { ok: false; step: string; detail: string }> {
    for (const step of steps) {
      const req = step.request(context);
      if (!req) return { ok: false, step: step.name, detail: 'no request (pool exhausted or earlier step failed)' };
      let response: HttpResponse;
      try {
        response = await send(req);
      } catch (error) {
        return { ok: false, step: step.name, detail: (error as Error).message };
      }
      if (!step.check(response, context))
        return { ok: false, step: step.name, detail: `${response.status} ${response.headers.location ?? ''} ${response.body.slice(0, 200)}` };
    }
    return { ok: true, context };
  }

  return { send, runFlow, close: () => agent.destroy() };
}

export type HttpClient = ReturnType<typeof createHttpClient>;

/** Runs `task` `count` times with at most `concurrency` at once; returns the results in order. */
export async function inParallel<T>(count: number, concurrency: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}
