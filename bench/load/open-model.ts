import type { HttpClient } from './http-flow.ts';
import type { Step } from './script.ts';

export interface OpenModelResult {
  /** Flows started per second, as scheduled. */
  targetRate: number;
  started: number;
  completed: number;
  failed: number;
  /** Arrivals not started because too many flows were already waiting (overload). */
  dropped: number;
  /** Completed flows per second of the run. */
  achievedRate: number;
  /** Per completed flow, ms from its first request leaving to its last answer. */
  latenciesMs: number[];
  /**
   * p99 of how late flows left compared with their schedule (timer ticks, a
   * busy generator). Arrivals never wait for answers, so this is the
   * generator's own lateness, kept apart from the servers' latency.
   */
  lagP99Ms: number;
  firstFailure?: string;
}

/**
 * Open model: flows arrive at a fixed rate whether or not earlier ones have
 * finished, the way independent users arrive, so a slow server cannot slow
 * the arrivals down and hide its queueing (no coordinated omission): a flow
 * waiting for a free connection is waiting inside its measured latency.
 * autocannon's `overallRate` is not used for this: it refills a per-second
 * budget per connection, so requests leave in bursts at each second's start.
 */
export async function runOpenModel(options: {
  client: HttpClient;
  steps: readonly Step[];
  rate: number;
  seconds: number;
  /** Flows in flight beyond this are dropped and reported (the server cannot keep up). */
  maxInFlight?: number;
}): Promise<OpenModelResult> {
  const { client, steps, rate, seconds } = options;
  const maxInFlight = options.maxInFlight ?? Math.max(64, Math.ceil(rate * 2));
  const total = Math.max(1, Math.round(rate * seconds));
  const interval = 1000 / rate;
  const latenciesMs: number[] = [];
  const lagsMs: number[] = [];
  let [started, completed, failed, dropped, inFlight] = [0, 0, 0, 0, 0];
  let firstFailure: string | undefined;
  const pending: Promise<void>[] = [];

  const launch = (scheduledAt: number) => {
    if (inFlight >= maxInFlight) {
      dropped += 1;
      return;
    }
    const sentAt = performance.now();
    lagsMs.push(sentAt - scheduledAt);
    started += 1;
    inFlight += 1;
    pending.push(
      client.runFlow(steps).then((outcome) => {
        inFlight -= 1;
        if (outcome.ok) {
          completed += 1;
          latenciesMs.push(Math.round((performance.now() - sentAt) * 100) / 100);
        } else {
          failed += 1;
          firstFailure ??= `${outcome.step}: ${outcome.detail}`;
        }
      }),
    );
  };

  const begin = performance.now();
  await new Promise<void>((resolve) => {
    let next = 0;
    // A timer tick (≥ 1 ms) starts every arrival that is due; no busy loop, whose
    // spinning would take a core from the servers on a 2-core machine.
    const tick = () => {
      const now = performance.now();
      while (next < total && begin + next * interval <= now) launch(begin + interval * next++);
      if (next >= total) return resolve();
      setTimeout(tick, Math.max(1, Math.floor(begin + next * interval - performance.now())));
    };
    tick();
  });
  await Promise.all(pending);
  const elapsedSeconds = (performance.now() - begin) / 1000;
  lagsMs.sort((a, b) => a - b);
  const lagP99 = lagsMs.length === 0 ? 0 : lagsMs[Math.min(lagsMs.length - 1, Math.ceil(lagsMs.length * 0.99) - 1)]!;
  return {
    targetRate: rate,
    started,
    completed,
    failed,
    dropped,
    achievedRate: completed / Math.max(elapsedSeconds, seconds),
    latenciesMs,
    lagP99Ms: Math.round(lagP99 * 100) / 100,
    firstFailure,
  };
}
