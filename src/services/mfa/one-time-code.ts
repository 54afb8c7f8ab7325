import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';

/** A 6-digit code from the CSPRNG (leading zeros kept). */
export const newSixDigitCode = () => String(randomInt(0, 1_000_000)).padStart(6, '0');

/** Six digits, once spaces and dashes people type are dropped; undefined otherwise. */
export function cleanCode(input: unknown): string | undefined {
  if (typeof input !== 'string' || input.length > 32) return undefined;
  const code = input.replace(/[\s-]/g, '');
  return /^\d{6}$/.test(code) ? code : undefined;
}

/** Keyed hashes for codes at rest: a leaked store does not give the codes away, even short ones. */
export function createCodeHasher(key: string) {
  const hash = (...parts: string[]) => createHmac('sha256', key).update(parts.join('\u0000')).digest('hex');
  return {
    hash,
    /** Constant-time comparison of a stored hash with the hash of what was typed. */
    matches(stored: string, ...parts: string[]): boolean {
      const left = Buffer.from(stored, 'hex');
      const right = Buffer.from(hash(...parts), 'hex');
      return left.length === right.length && timingSafeEqual(left, right);
    },
  };
}

export type CodeHasher = ReturnType<typeof createCodeHasher>;
