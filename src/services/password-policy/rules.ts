import english from '../../../locales/en/password.json' with { type: 'json' };
import type { PasswordPolicy } from '../../config/password-policy.ts';
import { type Text, text } from '../../i18n/text.ts';

/**
 * The seed's Change Password rules (seeds/000, step 14), one object each, in
 * the seed's order, plus a maximum length. Each is pure and synchronous; the
 * async checks (common-password list, history) live in policy.ts.
 *
 * Every rule gets the candidate and context already NFC-normalised (policy.ts
 * does it) and counts Unicode code points, never UTF-16 units: an emoji is
 * one character, "e" + combining acute is one character ("é") after NFC.
 */
export type RuleContext = { username?: string | undefined; oldPassword?: string | undefined };

export type RuleId =
  | 'minLength'
  | 'maxLength'
  | 'minSpecial'
  | 'mixedCase'
  | 'minDigits'
  | 'notPalindrome'
  | 'maxRepeat'
  | 'usernameRun'
  | 'oldPasswordRun'
  | 'restrictedPatterns';

export type PasswordRule = {
  id: RuleId;
  /** False when the site's policy turned the rule off; it is then neither shown nor checked. */
  applies(policy: PasswordPolicy): boolean;
  /** The rule's words with the policy's numbers (`password:rule.<key>`, translated where it is shown). */
  words(policy: PasswordPolicy): Text;
  /** The seed's wording with the policy's numbers, in English. */
  describe(policy: PasswordPolicy): string;
  /** The policy's number in the rule (a length, a count, a run), for the page's live check. */
  limit?(policy: PasswordPolicy): number;
  /** True when the candidate meets the rule. */
  check(candidate: string, context: RuleContext, policy: PasswordPolicy): boolean;
};

const codePoints = (s: string): string[] => Array.from(s);
/** Case folding for the case-insensitive rules; input is already NFC. */
const fold = (s: string): string => s.toLowerCase();
const count = (s: string, re: RegExp): number => codePoints(s).filter((c) => re.test(c)).length;

// Special = printable and neither letter, mark nor number: punctuation, symbols
// (emoji included) and separators, so a space counts (OWASP lists it as one).
// Controls, format characters (ZWJ) and unassigned code points do not count.
const SPECIAL = /[\p{P}\p{S}\p{Z}]/u;
const NUMERAL = /\p{N}/u;
const UPPER = /[\p{Lu}\p{Lt}]/u; // titlecase letters (ǅ) count as upper
const LOWER = /\p{Ll}/u;

/**
 * True when `candidate` contains `run` consecutive characters of `source`
 * (case-insensitive). A source shorter than `run` has no such run: the rule
 * checks what its text says, so a user is never refused for a reason the
 * page does not state.
 */
export function sharesRun(candidate: string, source: string, run: number): boolean {
  const cand = fold(candidate);
  const src = codePoints(fold(source));
  for (let i = 0; i + run <= src.length; i++) {
    if (cand.includes(src.slice(i, i + run).join(''))) return true;
  }
  return false;
}

/** "jdoe@contoso.com" or "CONTOSO\jdoe": the whole name and each part, so a short local part still counts. */
function usernameParts(username: string): string[] {
  return [username, ...username.split(/[@\\/]/)].filter((part) => part.length > 0);
}

function longestRun(s: string): number {
  let longest = 0,
    current = 0,
    previous: string | undefined;
  for (const c of codePoints(fold(s))) {
    current = c === previous ? current + 1 : 1;
    previous = c;
    longest = Math.max(longest, current);
  }
  return longest;
}

const rule = (key: string, n?: number): Text => text(`password:rule.${key}`, n === undefined ? undefined : { n });

/**
 * A rule's words in English, from locales/en/password.json: the one copy of
 * the seed's wording, which the other languages translate.
 */
export function inEnglish(words: Text): string {
  const key = words.i18nKey.replace(/^password:rule\./, '') as keyof typeof english.rule;
  return (english.rule[key] ?? words.i18nKey).replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(words.vars?.[name] ?? ''));
}

const definitions: readonly Omit<PasswordRule, 'describe'>[] = [
  {
    id: 'minLength',
    limit: (p) => p.minLength,
    applies: () => true,
    words: (p) => rule('minLength', p.minLength),
    check: (c, _, p) => codePoints(c).length >= p.minLength,
  },
  {
    id: 'maxLength',
    limit: (p) => p.maxLength,
    applies: () => true,
    words: (p) => rule('maxLength', p.maxLength),
    check: (c, _, p) => codePoints(c).length <= p.maxLength,
  },
  {
    id: 'minSpecial',
    limit: (p) => p.minSpecial,
    applies: (p) => p.minSpecial > 0,
    words: (p) => rule('minSpecial', p.minSpecial),
    check: (c, _, p) => count(c, SPECIAL) >= p.minSpecial,
  },
  {
    id: 'mixedCase',
    applies: (p) => p.requireMixedCase,
    words: () => rule('mixedCase'),
    check: (c) => UPPER.test(c) && LOWER.test(c),
  },
  {
    id: 'minDigits',
    limit: (p) => p.minDigits,
    applies: (p) => p.minDigits > 0,
    words: (p) => rule('minDigits', p.minDigits),
    check: (c, _, p) => count(c, NUMERAL) >= p.minDigits,
  },
  {
    id: 'notPalindrome',
    applies: (p) => p.forbidPalindrome,
    words: () => rule('notPalindrome'),
    check: (c) => {
      const chars = codePoints(fold(c));
      return chars.length < 2 || chars.join('') !== chars.reverse().join('');
    },
  },
  {
    id: 'maxRepeat',
    limit: (p) => p.maxRepeat,
    applies: (p) => p.maxRepeat > 0,
    words: (p) => (p.maxRepeat === 1 ? rule('maxRepeatOnce') : p.maxRepeat === 2 ? rule('maxRepeatTwice') : rule('maxRepeat', p.maxRepeat)),
    check: (c, _, p) => longestRun(c) <= p.maxRepeat,
  },
  {
    id: 'usernameRun',
    limit: (p) => p.usernameRun,
    applies: (p) => p.usernameRun > 0,
    words: (p) => rule('usernameRun', p.usernameRun),
    check: (c, ctx, p) => !ctx.username || !usernameParts(ctx.username).some((u) => sharesRun(c, u, p.usernameRun)),
  },
  {
    id: 'oldPasswordRun',
    limit: (p) => p.oldPasswordRun,
    applies: (p) => p.oldPasswordRun > 0,
    words: (p) => rule('oldPasswordRun', p.oldPasswordRun),
    check: (c, ctx, p) => !ctx.oldPassword || !sharesRun(c, ctx.oldPassword, p.oldPasswordRun),
  },
  {
    id: 'restrictedPatterns',
    applies: (p) => p.restrictedPatterns.length > 0,
    words: () => rule('restrictedPatterns'),
    check: (c, _, p) => !p.restrictedPatterns.some((w) => fold(c).includes(fold(w.normalize('NFC')))),
  },
];

export const passwordRules: readonly PasswordRule[] = definitions.map((definition) => ({
  ...definition,
  describe: (policy) => inEnglish(definition.words(policy)),
}));
