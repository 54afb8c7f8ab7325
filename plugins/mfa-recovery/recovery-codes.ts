import { randomInt } from 'node:crypto';
import type { RecoveryCodeGenerator } from '../../src/kit/index.ts';

// No 0/o, 1/l/i: codes are read off paper.
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const GROUP = 5;

/**
 * Recovery codes: two groups of five characters (about 49 bits each), shown
 * once; admit stores only a keyed hash of the canonical form.
 */
export function createRecoveryCodes(): RecoveryCodeGenerator {
  const group = () => Array.from({ length: GROUP }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  return {
    generate: (count) => Array.from({ length: count }, () => `${group()}-${group()}`),
    normalize(input) {
      const compact = input.toLowerCase().replace(/[\s-]/g, '');
      if (compact.length !== GROUP * 2 || [...compact].some((char) => !ALPHABET.includes(char))) return undefined;
      return `${compact.slice(0, GROUP)}-${compact.slice(GROUP)}`;
    },
  };
}
