import { afterAll, beforeAll } from 'vitest';
import { startRedis } from '../support/redis-server.ts';
import { fullFlowSuite } from './full-flow.ts';

let redis: Awaited<ReturnType<typeof startRedis>>;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

fullFlowSuite('Redis', () => redis.url);
