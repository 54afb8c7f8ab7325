import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/**
 * OWASP's argon2id minimum (m = 19 MiB, t = 2, p = 1), the parameters new
 * hashes get. Raising one of them here re-hashes each local password at its
 * owner's next successful sign-in (needsRehash).
 *
 * The hashing is @node-rs/argon2's (the Rust argon2 crate): about 12 ms of CPU
 * per verification here where node:crypto's argon2 took 26–34 ms, same
 * parameters, same PHC strings. Its async functions run on libuv's thread
 * pool (napi async work), so hashing never blocks the event loop; the pool
 * is UV_THREADPOOL_SIZE threads (4 unless set), shared with fs and dns.
 */
export const ARGON2_PARAMETERS = { memory: 19_456, passes: 2, parallelism: 1, tagLength: 32 } as const;

export interface Argon2Parameters {
  memory: number;
  passes: number;
  parallelism: number;
  tagLength: number;
}

/** The PHC strings admit writes and reads: argon2id, version 19, unpadded standard base64. */
const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

/** Hashes a password into a PHC string: $argon2id$v=19$m=…,t=…,p=…$salt$hash (16-byte random salt). */
export async function hashPassword(password: string, parameters: Argon2Parameters = ARGON2_PARAMETERS): Promise<string> {
  // algorithm is left at the binding's default, argon2id (its enum is a const enum, which erasable TypeScript cannot import).
  return hash(password, {
    memoryCost: parameters.memory,
    timeCost: parameters.passes,
    parallelism: parameters.parallelism,
    outputLen: parameters.tagLength,
    salt: randomBytes(16),
  });
}

/**
 * Checks a password against an argon2id PHC string with any parameters, from
 * hashPassword or from node:crypto's argon2 (admit's hasher before). Anything
 * else (another variant, a malformed string) is a mismatch, never an error.
 */
export async function verifyPassword(password: string, phc: string): Promise<boolean> {
  if (!PHC.test(phc)) return false;
  try {
    return await verify(phc, password);
  } catch {
    return false;
  }
}

/** The parameters a PHC string was made with, or undefined when it is not one admit reads. */
export function hashParameters(phc: string): Argon2Parameters | undefined {
  const match = PHC.exec(phc);
  if (!match) return undefined;
  const [, memory, passes, parallelism, , tag] = match as unknown as [string, string, string, string, string, string];
  return { memory: Number(memory), passes: Number(passes), parallelism: Number(parallelism), tagLength: Buffer.from(tag, 'base64').length };
}

/**
 * True when a readable hash was made with less work than `parameters` ask
 * (memory, passes, parallelism or tag length below): after the password is
 * verified, hash it again. A hash made with more is left as it is.
 */
export function needsRehash(phc: string, parameters: Argon2Parameters = ARGON2_PARAMETERS): boolean {
  const stored = hashParameters(phc);
  if (!stored) return false;
  return (
    stored.memory < parameters.memory ||
    stored.passes < parameters.passes ||
    stored.parallelism < parameters.parallelism ||
    stored.tagLength < parameters.tagLength
  );
}

/** A hash to verify against when the user does not exist, so both paths cost the same. */
export async function makeDecoyHash(parameters: Argon2Parameters = ARGON2_PARAMETERS): Promise<string> {
  return hashPassword(randomBytes(16).toString('hex'), parameters);
}
