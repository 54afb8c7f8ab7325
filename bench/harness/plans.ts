import type { OperationId } from '../load/operations.ts';
import type { Plan } from './measure.ts';

/**
 * How long each run lasts, and which operations run on which store. Redis
 * gets every operation with latency points; SQLite (the embedded default)
 * gets the store-bound token endpoints, throughput and CPU only, to stay in
 * the time budget (full < 15 min, quick < 2 min on 2 cores; repeated pairs included).
 */
export const FULL_PLAN: Plan = {
  pairs: 3,
  maxPairs: 5,
  latencyPairs: 2,
  warmSeconds: 1.5,
  closedSeconds: 1.5,
  openSeconds: 1,
  connections: 32,
  fractions: [0.5, 0.8],
  signInFraction: 0.7,
};
export const QUICK_PLAN: Plan = {
  pairs: 3,
  maxPairs: 4,
  latencyPairs: 2,
  warmSeconds: 0.75,
  closedSeconds: 0.75,
  openSeconds: 0.6,
  connections: 32,
  fractions: [0.5],
  signInFraction: 0.7,
};

/**
 * A sign-in with a real hash or an LDAP bind takes tens of milliseconds: fewer
 * connections (enough to keep libuv's 4 threads busy) and longer runs, so the
 * flows cut off at a run's end are few and the 70 % point has enough samples.
 */
export function planFor(op: OperationId, base: Plan): Plan {
  if (op === 'signin-argon2' || op === 'signin-ldap') {
    return { ...base, connections: 8, warmSeconds: base.warmSeconds * 1.5, closedSeconds: base.closedSeconds * 2, openSeconds: base.openSeconds * 2.5 };
  }
  if (op === 'signin-protocol') return { ...base, connections: 16, openSeconds: base.openSeconds * 1.5 };
  return base;
}

const REDIS_OPS: OperationId[] = [
  'cc-opaque',
  'cc-jwt',
  'code',
  'refresh',
  'userinfo',
  'introspection',
  'discovery',
  'jwks',
  'signin-protocol',
  'signin-argon2',
  'signin-ldap',
];
const SQLITE_OPS: OperationId[] = ['cc-opaque', 'code', 'refresh', 'userinfo', 'introspection'];
const QUICK_REDIS_OPS: OperationId[] = ['cc-opaque', 'code', 'userinfo', 'signin-protocol', 'signin-argon2'];

export interface StorePlan {
  store: 'redis' | 'sqlite';
  ops: OperationId[];
  plan: Plan;
}

/** `stores` unset: both stores in full mode, Redis only in quick mode. */
/** What `--peers` adds to the Redis plan when missing (issue 17's side-by-side rows). */
const PEER_ROWS: OperationId[] = ['discovery', 'jwks', 'cc-opaque', 'signin-argon2', 'signin-ldap'];

export function storePlans(options: { quick: boolean; stores?: ('redis' | 'sqlite')[]; only?: OperationId[]; ldap: boolean; peers?: boolean }): StorePlan[] {
  const base = options.quick ? QUICK_PLAN : FULL_PLAN;
  const stores = options.stores ?? (options.quick ? ['redis'] : ['redis', 'sqlite']);
  const pick = (ops: OperationId[]) => (options.only ?? ops).filter((op) => options.ldap || op !== 'signin-ldap');
  const plans: StorePlan[] = [];
  const redisOps = options.quick ? QUICK_REDIS_OPS : REDIS_OPS;
  const withPeers = options.peers && !options.only ? [...redisOps, ...PEER_ROWS.filter((op) => !redisOps.includes(op))] : redisOps;
  if (stores.includes('redis')) plans.push({ store: 'redis', ops: pick(withPeers), plan: base });
  if (stores.includes('sqlite')) plans.push({ store: 'sqlite', ops: pick(SQLITE_OPS), plan: { ...base, fractions: [] } });
  return plans.filter((plan) => plan.ops.length > 0);
}
