/**
 * The bundled list of common and breached passwords: the `passwords-common`
 * dictionary of @zxcvbn-ts/language-common (about 49,000 entries, lower case,
 * MIT), loaded on first use into a Set and kept by the returned object, not
 * at module level: main.ts builds one and shares it across every site.
 */
export type CommonPasswordList = {
  /** Loads the list now; call at start-up so a missing package fails the boot, not a password change. */
  load(): Promise<void>;
  /** True when the password, or its core without leading/trailing digits and symbols, is on the list. */
  isCommon(password: string): Promise<boolean>;
};

export type LoadCommonPasswords = () => Promise<Iterable<string>>;

// A variable specifier keeps the typecheck green before the package is
// installed; the shape is checked at run time instead.
const PACKAGE = '@zxcvbn-ts/language-common';

/** Reads the list from the npm package (CommonJS; Node's ESM interop exposes `dictionary`). */
export const loadZxcvbnCommonPasswords: LoadCommonPasswords = async () => {
  const mod: unknown = await import(PACKAGE);
  const list = (mod as { dictionary?: Record<string, unknown> }).dictionary?.['passwords-common'];
  if (!Array.isArray(list) || !list.every((p) => typeof p === 'string')) {
    throw new Error(`${PACKAGE} has no dictionary['passwords-common'] string list; check the installed version`);
  }
  return list as string[];
};

/** Entries this short would only be found as a core inside a longer password; see coreOf. */
const MIN_CORE_LENGTH = 4;

/**
 * The password without the digits and symbols people bolt on to pass the
 * composition rules ("Jordan23!" → "jordan", "!!Dragon1" → "dragon").
 * Only the ends are stripped: "Dragon#42Tea" keeps its core whole.
 */
function coreOf(folded: string): string {
  return folded.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
}

export function createCommonPasswordList(loader: LoadCommonPasswords = loadZxcvbnCommonPasswords): CommonPasswordList {
  let set: Promise<Set<string>> | undefined;
  const get = (): Promise<Set<string>> => {
    if (set) return set;
    const loading = loader().then((list) => new Set(Array.from(list, (p) => p.normalize('NFC').toLowerCase())));
    loading.catch(() => { if (set === loading) set = undefined; }); // a failed load is retried, not cached
    return (set = loading);
  };
  return {
    async load() { await get(); },
    async isCommon(password) {
      const words = await get();
      const folded = password.normalize('NFC').toLowerCase();
      const core = coreOf(folded);
      return words.has(folded) || (Array.from(core).length >= MIN_CORE_LENGTH && words.has(core));
    },
  };
}
