import type { Throttle } from '../throttle.ts';
import type { MfaPolicy } from './settings-schema.ts';

/**
 * Failed second-factor checks per account, across flows and methods: after
 * `maxFailedVerifications` in the window, checks are refused until it ends.
 * A success clears the count.
 */
export function createFailureLimit(throttle: Throttle) {
  const key = (accountId: string) => `mfa-failures:${accountId}`;
  return {
    async blocked(accountId: string, policy: MfaPolicy): Promise<boolean> {
      return (await throttle.count(key(accountId))) >= policy.maxFailedVerifications;
    },
    async record(accountId: string, policy: MfaPolicy, succeeded: boolean): Promise<void> {
      if (succeeded) await throttle.reset(key(accountId));
      else await throttle.hit(key(accountId), policy.failureWindowSeconds);
    },
  };
}

export type FailureLimit = ReturnType<typeof createFailureLimit>;
