import { before, after } from 'node:test';
import { startRedis, type RunningRedis } from '../support/redis-server.ts';
import { conformancePlans } from './run-plans.ts';

// The conformance modules on the Redis store.
let redis: RunningRedis;
before(async () => {
  redis = await startRedis();
});
after(() => redis?.stop());
conformancePlans('Redis', () => ({ store: redis.url }));
