import { createRequire } from 'node:module';

/**
 * The bundled list of common and breached passwords: the `passwords-common`
 * dictionary of @zxcvbn-ts/language-common (about 49,000 entries, lower case,
 * MIT), loaded on first use and kept by the returned object, not at module
 * level: main.ts builds one and shares it across every site.
 *
 * Kept compact: the folded entries sorted and joined into one string, with
 * their offsets in a Uint32Array, searched by bisection (~0.6 MB: 340,000
 * characters and 49,000 offsets). Only the password file of the package is
 * read, through require so that its module can be let go once the list is
 * built; the package's index also holds the keyboard graphs and the
 * diceware list, which admit does not use. Measured here (heap after GC,
 * after the first check): 4.1 MiB with the package's index and a Set,
 * 2.9 MiB now, ~2.5 of it what loading the package's file leaves in V8.
 * Nothing is loaded until the first password is checked.
 */
export type CommonPasswordList = {
  /** Loads the list now; call at start-up so a missing package fails the boot, not a password change. */
  load(): Promise<void>;
  /** True when the password, or its core without leading/trailing digits and symbols, is on the list. */
  isCommon(password: string): Promise<boolean>;
};

export type LoadCommonPasswords = () => Promise<Iterable<string>>;

const PACKAGE = '@zxcvbn-ts/language-common';
const PASSWORDS_FILE = `${PACKAGE}/dist/passwords.json.cjs`;

/** Reads the list from the npm package's password file (CommonJS, a string array once decompressed). */
export const loadZxcvbnCommonPasswords: LoadCommonPasswords = async () => {
  const require = createRequire(import.meta.url);
  const path = require.resolve(PASSWORDS_FILE);
  let list: unknown;
  try {
    list = require(path);
  } finally {
    // Nothing keeps the module: the array goes once the compact list is built.
    delete require.cache[path];
  }
  if (Array.isArray((list as { default?: unknown })?.default)) list = (list as { default: unknown }).default;
  if (!Array.isArray(list) || !list.every((p) => typeof p === 'string')) {
    throw new Error(`${PASSWORDS_FILE} is not a string list; check the installed version of ${PACKAGE}`);
  }
  return list as string[];
};

/** Sorted, unique entries in one string with their start offsets: membership by bisection. */
export interface CompactWordList {
  has(word: string): boolean;
  readonly size: number;
}

export function compactWordList(words: Iterable<string>): CompactWordList {
  // '\n' cannot be in an entry that has() is asked about (a password with a line break is not on a list of words).
  const sorted = [...new Set(Array.from(words, (word) => word.normalize('NFC').toLowerCase()))].filter((word) => !word.includes('\n')).sort();
  const joined = sorted.join('\n');
  const starts = new Uint32Array(sorted.length + 1);
  let at = 0;
  for (let i = 0; i < sorted.length; i += 1) {
    starts[i] = at;
    at += sorted[i]!.length + 1;
  }
  starts[sorted.length] = at;
  const count = sorted.length; // has() must not keep the array of 49,000 strings alive
  return {
    size: count,
    has(word) {
      let low = 0;
      let high = count - 1;
      while (low <= high) {
        const mid = (low + high) >>> 1;
        const entry = joined.slice(starts[mid]!, starts[mid + 1]! - 1);
        if (entry === word) return true;
        if (entry < word) low = mid + 1;
        else high = mid - 1;
      }
      return false;
    },
  };
}

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
  let set: Promise<CompactWordList> | undefined;
  const get = (): Promise<CompactWordList> => {
    if (set) return set;
    const loading = loader().then(compactWordList);
    loading.catch(() => {
      if (set === loading) set = undefined;
    }); // a failed load is retried, not cached
    set = loading;
    return loading;
  };
  return {
    async load() {
      await get();
    },
    async isCommon(password) {
      const words = await get();
      const folded = password.normalize('NFC').toLowerCase();
      const core = coreOf(folded);
      return words.has(folded) || (Array.from(core).length >= MIN_CORE_LENGTH && words.has(core));
    },
  };
}
