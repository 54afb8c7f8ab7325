import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { retryDelayMs } from './backoff.ts';

describe('outbox retry delay', () => {
  const settings = { baseMs: 5000, maxMs: 900_000 };
  it('doubles from the base, half of each step fixed and half random, up to the cap', () => {
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => retryDelayMs(n, settings, () => 0)),
      [2500, 5000, 10_000, 20_000],
    );
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => retryDelayMs(n, settings, () => 1)),
      [5000, 10_000, 20_000, 40_000],
    );
    assert.equal(
      retryDelayMs(30, settings, () => 1),
      900_000,
    );
    assert.equal(
      retryDelayMs(30, settings, () => 0),
      450_000,
    );
  });
  it('spreads messages that failed together', () => {
    const delays = new Set(Array.from({ length: 50 }, () => retryDelayMs(3, settings)));
    assert.ok(delays.size > 40, `only ${delays.size} distinct waits`);
    for (const delay of delays) assert.ok(delay >= 10_000 && delay <= 20_000);
  });
});
