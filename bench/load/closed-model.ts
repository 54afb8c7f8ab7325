import autocannon from 'autocannon';
import { type FlowContext, newContext, normaliseHeaders, type Step } from './script.ts';

export interface ClosedModelResult {
  connections: number;
  /** Flows whose every step answered as expected. */
  completed: number;
  failed: number;
  requests: number;
  durationMs: number;
  /** Completed flows per second. */
  rate: number;
  firstFailure?: string;
}

/**
 * Closed model (throughput): `connections` clients each run the script in a
 * loop, a new request as soon as the previous answer arrived, with autocannon.
 * Either for `seconds`, or for exactly `amount` requests (pooled operations,
 * whose pool holds one item per request).
 */
export async function runClosedModel(options: {
  origin: string;
  steps: readonly Step[];
  connections: number;
  seconds?: number;
  amount?: number;
}): Promise<ClosedModelResult> {
  const { steps, connections } = options;
  let [completed, failed] = [0, 0];
  // autocannon reports whole seconds for an `amount` run (it notices the end on its 1 s tick): time it here.
  let lastAnswerAt = 0;
  let firstFailure: string | undefined;
  type Ctx = FlowContext & { failed?: boolean };

  const requests = steps.map((step, index) => ({
    setupRequest: (req: Record<string, unknown>, context: Ctx) => {
      // autocannon keeps one context per connection and clears it when the script loops.
      if (index === 0) Object.assign(context, newContext(), { failed: false });
      if (context.failed) return undefined;
      const built = step.request(context);
      if (!built) {
        context.failed = true;
        return undefined;
      }
      return { ...req, method: built.method, path: built.path, headers: built.headers, body: built.body ?? Buffer.alloc(0) };
    },
    onResponse: (status: number, body: string, context: Ctx, headers: Record<string, string | string[]>) => {
      lastAnswerAt = performance.now();
      if (context.failed) return;
      const response = { status, body: body ?? '', headers: normaliseHeaders(headers) };
      if (!step.check(response, context)) {
        context.failed = true;
        failed += 1;
        firstFailure ??= `${step.name}: ${status} ${String(response.headers.location ?? '')} ${response.body.slice(0, 200)}`;
      } else if (index === steps.length - 1) {
        completed += 1;
      }
    },
  }));

  const startedAt = performance.now();
  const result = await autocannon({
    url: options.origin,
    connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.seconds ?? 5 }),
    requests: requests as unknown as autocannon.Request[],
    timeout: 30,
  });
  const durationMs = Math.max(1, lastAnswerAt - startedAt);
  return {
    connections,
    completed,
    failed,
    requests: result.requests.total,
    durationMs,
    rate: (completed * 1000) / durationMs,
    firstFailure,
  };
}
