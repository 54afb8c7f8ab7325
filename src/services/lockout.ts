import { type SignInPolicy, signInPolicySchema } from '../config/sites.ts';
import { checkUsername, legacyUsernameKey } from '../kit/username.ts';
import type { Store } from '../store/port.ts';
import { createLockIndex } from './dashboard-locks.ts';
import type { MfaPolicy } from './mfa/settings-schema.ts';
import type { SiteDirectory } from './sites.ts';
import { createThrottle } from './throttle.ts';

/**
 * How many tries: the one owner of every guess limit (sign-in, a directory
 * password at registration, Reset Password and Unlock Account, the portal's
 * Change Password, second-factor checks) and of what unlocking clears. The
 * counters are sliding windows (services/throttle.ts) keyed on the canonical
 * user name (kit/username.ts), so no spelling of a name has a counter of its
 * own. Guesses are counted before they are checked, so parallel guesses
 * cannot all slip under a limit.
 */

/** Reset Password / Unlock Account starts, per client IP and per user name, and wrong codes per flow. */
export const RECOVERY_LIMITS = { windowSeconds: 900, perIp: 30, perUser: 10, wrongCodesPerFlow: 5 } as const;
/** Sign-ins set up from invitation links (a local user made each time), per client IP. */
export const INVITATION_SIGN_IN_LIMITS = { windowSeconds: 900, perIp: 30 } as const;
/** Old-password guesses in the portal's Change Password, per account. */
export const PASSWORD_CHANGE_LIMITS = { windowSeconds: 900, perAccount: 10 } as const;

const defaultSignIn = signInPolicySchema.parse({});

/** One counted password guess: refused before the check, or to be settled by its outcome. */
export type PasswordAttempt =
  | { refused: true; reason: 'ip' | 'user' }
  | {
      refused: false;
      /** This guess is the last the limit allows: if it is wrong, the user name is locked (the sign-in audits `sign_in.lock`). */
      lastAllowed: boolean;
      /**
       * The password was right. `accountUsername` is the directory's name for the
       * account (an LDAP filter may match it under another spelling): when that
       * account is locked the sign-in is still refused (false); otherwise both
       * counters are cleared (true).
       */
      succeeded(accountUsername?: string): Promise<boolean>;
      /** Not a guess after all (the directory could not be reached): the count is given back. */
      notCounted(): Promise<void>;
    };

/** One counted second-factor check. */
export type SecondFactorAttempt = { refused: true } | { refused: false; settle(outcome: 'ok' | 'failed' | 'not_counted'): Promise<void> };

export function createLockout({ store, sites, now }: { store: Store; sites: Pick<SiteDirectory, 'get'>; now?: () => number }) {
  const counter = createThrottle({ store, now });
  const policyOf = (siteId: string): SignInPolicy => sites.get(siteId)?.config.signIn ?? defaultSignIn;
  // A stored name that predates the canonical key and has none still gets a counter of its own.
  const nameOf = (username: string) => {
    const checked = checkUsername(username);
    return checked.ok ? checked.key : `legacy:${legacyUsernameKey(username)}`;
  };
  const userCounter = (siteId: string, username: string) => `sign-in:${siteId}:${nameOf(username)}`;
  const ipCounter = (ip: string) => `ip:${ip}`;
  const secondFactorCounter = (accountId: string) => `mfa-failures:${accountId}`;
  const locks = createLockIndex({ store });

  /** A password guess for a user name of a site (sign-in, or a directory password at registration). */
  async function passwordAttempt(input: { siteId: string; username: string; ip: string }): Promise<PasswordAttempt> {
    const policy = policyOf(input.siteId);
    const window = policy.failureWindowSeconds;
    const typed = userCounter(input.siteId, input.username);
    const [perIp, perUser] = await Promise.all([counter.hit(ipCounter(input.ip), window), counter.take(typed, window)]);
    // The console dashboard's note that a lock may have started (its count asks the counter again).
    if (perUser.count >= policy.maxFailedAttempts) await locks.started(input.siteId, nameOf(input.username), (now?.() ?? Date.now()) + 2 * window * 1000);
    if (perIp > policy.maxAttemptsPerIp) return { refused: true, reason: 'ip' };
    if (perUser.count > policy.maxFailedAttempts) return { refused: true, reason: 'user' };
    return {
      refused: false,
      // Counts are sliding-window estimates (not whole numbers): the next guess would count about one more.
      lastAllowed: perUser.count > policy.maxFailedAttempts - 1,
      async succeeded(accountUsername) {
        const account = accountUsername === undefined ? typed : userCounter(input.siteId, accountUsername);
        if (account !== typed && (await counter.count(account, window)) >= policy.maxFailedAttempts) return false;
        await Promise.all([counter.reset(typed, window), account === typed ? undefined : counter.reset(account, window)]);
        return true;
      },
      notCounted: perUser.giveBack,
    };
  }

  /**
   * A sign-in with no password here (a start or a return from a federated
   * identity provider): counted against the client IP's limit only. Returns
   * false past it. The return has a counter of its own: its start counted once.
   */
  async function ipAttempt(input: { siteId: string; ip: string; step: 'start' | 'callback' }): Promise<boolean> {
    const policy = policyOf(input.siteId);
    const name = input.step === 'start' ? ipCounter(input.ip) : `federated-callback:${input.ip}`;
    return (await counter.hit(name, policy.failureWindowSeconds)) <= policy.maxAttemptsPerIp;
  }

  /** Clears the sign-in lockout of a user name (a reset password, a proved Unlock Account). */
  const clearSignIn = (siteId: string, username: string) => counter.reset(userCounter(siteId, username), policyOf(siteId).failureWindowSeconds);

  const secondFactor = {
    /** True when the account's second-factor checks reached the site's limit (read only: before a Duo prompt is opened). */
    async blocked(accountId: string, policy: MfaPolicy): Promise<boolean> {
      return (await counter.count(secondFactorCounter(accountId), policy.failureWindowSeconds)) >= policy.maxFailedVerifications;
    },
    /**
     * One second-factor check of the account, counted before it is made (so
     * parallel checks cannot all slip under the limit): refused past
     * `maxFailedVerifications` in the window. Settle it with the outcome: a
     * success clears the count, a failure stays counted, a check that could not
     * be made (the factor's service unreachable) is given back.
     */
    async attempt(accountId: string, policy: MfaPolicy): Promise<SecondFactorAttempt> {
      const name = secondFactorCounter(accountId);
      const window = policy.failureWindowSeconds;
      const counted = await counter.take(name, window);
      if (counted.count > policy.maxFailedVerifications) return { refused: true };
      return {
        refused: false,
        async settle(outcome) {
          if (outcome === 'ok') await counter.reset(name, window);
          else if (outcome === 'not_counted') await counted.giveBack();
        },
      };
    },
  };

  return {
    passwordAttempt,
    ipAttempt,
    clearSignIn,
    /** The canonical names of the site whose sign-in is locked now (the dashboard), from at most `limit` + 1 noted locks. */
    async lockedNames(siteId: string, limit: number): Promise<{ names: string[]; more: boolean }> {
      const policy = policyOf(siteId);
      const noted = await locks.candidates(siteId, limit + 1, now?.());
      const counts = await Promise.all(noted.map((name) => counter.count(`sign-in:${siteId}:${name}`, policy.failureWindowSeconds)));
      const names = noted.filter((_, index) => counts[index]! >= policy.maxFailedAttempts);
      return { names: names.slice(0, limit), more: names.length > limit };
    },
    /**
     * An administrator's "Unlock": the account's sign-in lockout (on its
     * canonical name) and its failed second-factor checks. The directory's own
     * lock is the connector's to clear.
     */
    async unlockAccount(account: { id: string; siteId: string; username: string }): Promise<void> {
      const mfa = sites.get(account.siteId)?.config.mfa;
      await Promise.all([
        clearSignIn(account.siteId, account.username),
        mfa ? counter.reset(secondFactorCounter(account.id), mfa.failureWindowSeconds) : undefined,
      ]);
    },
    /** A Reset Password / Unlock Account start: false when the IP or the user name has had too many. */
    async recoveryStart(input: { siteId: string; username: string; ip: string }): Promise<boolean> {
      const { windowSeconds, perIp, perUser } = RECOVERY_LIMITS;
      const [ip, user] = await Promise.all([
        counter.hit(`recover-ip:${input.ip}`, windowSeconds),
        counter.hit(`recover-user:${input.siteId}:${nameOf(input.username)}`, windowSeconds),
      ]);
      return ip <= perIp && user <= perUser;
    },
    /** One code typed in a recovery flow, counted before it is checked: false past the flow's limit. */
    async recoveryCode(flowId: string): Promise<boolean> {
      return (await counter.hit(`recover-flow:${flowId}`, RECOVERY_LIMITS.windowSeconds)) <= RECOVERY_LIMITS.wrongCodesPerFlow;
    },
    /** A local sign-in made from an invitation link: false past the client IP's limit. */
    invitationSignIn: async (ip: string) =>
      (await counter.hit(`invite-create-ip:${ip}`, INVITATION_SIGN_IN_LIMITS.windowSeconds)) <= INVITATION_SIGN_IN_LIMITS.perIp,
    /** The portal's Change Password: one old-password guess, counted before it is checked. */
    passwordChange: {
      attempt: async (accountId: string) =>
        (await counter.hit(`password-change:${accountId}`, PASSWORD_CHANGE_LIMITS.windowSeconds)) <= PASSWORD_CHANGE_LIMITS.perAccount,
      succeeded: (accountId: string) => counter.reset(`password-change:${accountId}`, PASSWORD_CHANGE_LIMITS.windowSeconds),
    },
    secondFactor,
  };
}

export type Lockout = ReturnType<typeof createLockout>;
