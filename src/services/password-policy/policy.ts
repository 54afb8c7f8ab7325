import type { PasswordPolicy } from '../../config/password-policy.ts';
import { type Text, text } from '../../i18n/text.ts';
import { verifyPassword } from '../../kit/password-hash.ts';
import { type CommonPasswordList, createCommonPasswordList } from './common-passwords.ts';
import { inEnglish, passwordRules, type RuleContext, type RuleId } from './rules.ts';

/**
 * A site's password policy, ready to show and to check. `rules()` is the list
 * the Change Password page shows before the user types (the seed's list);
 * `check()` runs every rule and names every unmet one, not just the first.
 */
export type PolicyRuleId = RuleId | 'commonPassword' | 'history';

export type PolicyRule = {
  id: PolicyRuleId;
  /** In English (logs, the API, the admin console). */
  text: string;
  /** The same words for a page, translated in its language. */
  words: Text;
  /** For `restrictedPatterns`: the words behind the seed's "List" link. */
  list?: readonly string[];
  /** The policy's number in the rule, so the page can mark it while the user types (the server still decides). */
  limit?: number;
};

export type PasswordCheckContext = RuleContext & {
  /** argon2id hashes of previous passwords, newest first (the current one included); only the first historyCount count. */
  historyHashes?: readonly string[] | undefined;
};

export type PasswordCheckResult = { ok: boolean; failures: PolicyRule[] };

export type PasswordPolicyDeps = {
  /** Share one list across sites (main.ts); a policy built without one loads its own copy. */
  commonPasswords?: CommonPasswordList;
};

export function createPasswordPolicy(policy: PasswordPolicy, deps: PasswordPolicyDeps = {}) {
  const active = passwordRules.filter((rule) => rule.applies(policy));
  const commonPasswords = policy.checkCommonPasswords ? (deps.commonPasswords ?? createCommonPasswordList()) : undefined;

  const extra: PolicyRule[] = [];
  const described = (words: Text) => ({ text: inEnglish(words), words });
  if (commonPasswords) extra.push({ id: 'commonPassword', ...described(text('password:rule.commonPassword')) });
  if (policy.historyCount > 0) {
    extra.push({
      id: 'history',
      ...described(policy.historyCount === 1 ? text('password:rule.historyOne') : text('password:rule.history', { n: policy.historyCount })),
    });
  }
  const shown: PolicyRule[] = [
    ...active.map(
      (rule): PolicyRule =>
        rule.id === 'restrictedPatterns'
          ? { id: rule.id, ...described(rule.words(policy)), list: policy.restrictedPatterns }
          : { id: rule.id, ...described(rule.words(policy)), ...(rule.limit ? { limit: rule.limit(policy) } : {}) },
    ),
    ...extra,
  ];

  /** Reuse of any of the last historyCount passwords. */
  async function reused(candidate: string, raw: string, hashes: readonly string[]): Promise<boolean> {
    const recent = hashes.slice(0, policy.historyCount);
    // The NFC form is what the policy means; the raw form as typed is tried too
    // when it differs, in case an older hash was made from un-normalised input.
    const forms = candidate === raw ? [candidate] : [candidate, raw];
    const matches = await Promise.all(recent.flatMap((hash) => forms.map((form) => verifyPassword(form, hash))));
    return matches.some(Boolean);
  }

  return {
    /** Every active rule with its text, in the seed's order, for showing before the user types. */
    rules(): PolicyRule[] {
      return shown.map((rule) => ({ ...rule }));
    },

    /** Checks a candidate against every rule; never truncates or trims it. */
    async check(raw: string, context: PasswordCheckContext = {}): Promise<PasswordCheckResult> {
      const candidate = raw.normalize('NFC');
      const ctx: RuleContext = {
        username: context.username?.normalize('NFC'),
        oldPassword: context.oldPassword?.normalize('NFC'),
      };
      const failed = new Set<PolicyRuleId>(active.filter((rule) => !rule.check(candidate, ctx, policy)).map((r) => r.id));
      // An over-long candidate is refused already; skip the list and the argon2
      // work rather than hash arbitrary amounts of input several times over.
      if (!failed.has('maxLength')) {
        const [common, inHistory] = await Promise.all([
          commonPasswords ? commonPasswords.isCommon(candidate) : false,
          policy.historyCount > 0 && context.historyHashes?.length ? reused(candidate, raw, context.historyHashes) : false,
        ]);
        if (common) failed.add('commonPassword');
        if (inHistory) failed.add('history');
      }
      const failures = shown.filter((rule) => failed.has(rule.id)).map((rule) => ({ ...rule }));
      return { ok: failures.length === 0, failures };
    },
  };
}

export type PasswordPolicyChecker = ReturnType<typeof createPasswordPolicy>;
