import { afterAll, beforeAll } from 'vitest';
import { type RunningRedis, startRedis } from '../support/redis-server.ts';
import { conformancePlans } from './run-plans.ts';

// The conformance modules on the Redis store.
let redis: RunningRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());
conformancePlans('Redis', () => ({ store: redis.url }));
