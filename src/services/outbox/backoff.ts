/**
 * The wait before attempt `attempts + 1`: doubling from `baseMs` up to
 * `maxMs`, with "equal jitter" (half fixed, half random), so messages that
 * failed together (an SMTP server that was down) do not all retry in the
 * same second, and none retries sooner than half its step.
 */
export function retryDelayMs(attempts: number, settings: { baseMs: number; maxMs: number }, random: () => number = Math.random): number {
  const step = Math.min(settings.maxMs, settings.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(step / 2 + random() * (step / 2));
}
