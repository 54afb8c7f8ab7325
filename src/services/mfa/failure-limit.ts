import type { Lockout } from '../lockout.ts';

/**
 * Failed second-factor checks per account, across flows and methods: the
 * lockout service's (services/lockout.ts), which owns every limit on tries.
 * After `maxFailedVerifications` in the sliding window checks are refused;
 * a success clears the count.
 */
export type FailureLimit = Lockout['secondFactor'];
