import { before, after } from 'node:test';
import { startRedis } from '../support/redis-server.ts';
import { fullFlowSuite } from './full-flow.ts';

let redis: Awaited<ReturnType<typeof startRedis>>;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis?.stop();
});

fullFlowSuite('Redis', () => redis.url);
