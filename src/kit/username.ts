/**
 * The canonical user-name key: who a typed user name is. Every lookup,
 * uniqueness check and counter of every connector goes through it, so that
 * `ｂob`, `BOB` and ` bob ` are one person everywhere (the directory, the
 * account index, the lockout counter) and never three.
 *
 * A PRECIS-style profile (RFC 8265 UsernameCaseMapped, with spaces kept):
 * width and compatibility mapping (NFKC: fullwidth `ｂ` is `b`, `ﬁ` is `fi`),
 * trimmed, runs of white space made one space, lower-cased, NFKC again (so
 * the key of a key is itself). Characters that draw nothing or reorder what
 * is drawn (controls, format and bidi controls), unassigned code points,
 * lone surrogates and private-use characters are refused: they let two
 * names look alike on screen and differ in the store.
 */

/** Cc controls, Cf format (bidi controls, zero-width joiners, soft hyphen), Cs surrogates, Co private use, Cn unassigned; line and paragraph separators. */
const REFUSED = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;

export type UsernameCheck = { ok: true; key: string } | { ok: false; problem: 'empty' | 'not_allowed' };

/** The canonical key of a typed user name, or why it cannot be one. */
export function checkUsername(typed: string): UsernameCheck {
  if (REFUSED.test(typed)) return { ok: false, problem: 'not_allowed' };
  let key = typed.normalize('NFKC').trim().replace(/\s+/gu, ' ');
  // Lower-casing can leave a string NFKC maps again (and back): repeat until it stands still.
  for (let round = 0; round < 4; round += 1) {
    const next = key.toLowerCase().normalize('NFKC');
    if (next === key) break;
    key = next;
  }
  if (REFUSED.test(key)) return { ok: false, problem: 'not_allowed' };
  return key === '' ? { ok: false, problem: 'empty' } : { ok: true, key };
}

/** True when the typed user name has a canonical key (for form validation). */
export const usernameAllowed = (typed: string): boolean => checkUsername(typed).ok;

export class UsernameNotAllowedError extends Error {
  override name = 'UsernameNotAllowedError';
  readonly code = 'username_not_allowed';
}

/** The canonical key; throws UsernameNotAllowedError for a name that has none (callers validate input first). */
export function canonicalUsername(typed: string): string {
  const checked = checkUsername(typed);
  if (!checked.ok)
    throw new UsernameNotAllowedError(checked.problem === 'empty' ? 'the user name is empty' : 'the user name contains characters that are not allowed');
  return checked.key;
}

/**
 * The key admit used before the canonical one (`normalize('NFKC').toLowerCase()`
 * of the name as typed): records written under it are still found, and moved.
 */
export const legacyUsernameKey = (typed: string): string => typed.normalize('NFKC').toLowerCase();
