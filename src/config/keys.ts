import { z } from 'zod';

/*
 * The signing-key rotation timeline's numbers (README, Operations: signing
 * keys). The config's `keys.*` options default to these; the schema refuses a
 * propagation delay that is not longer than the JWKS max-age plus one poll.
 */

/** Cache-Control max-age of `/jwks` (`keys.jwksMaxAgeSeconds`): how long a relying party may keep the key set. */
const JWKS_MAX_AGE_SECONDS = 60;
/** How often each instance reads the key set's version from the store (`keys.pollSeconds`). */
const KEY_POLL_SECONDS = 5;
/**
 * From `admit keys rotate` until the new keys sign (`keys.propagationSeconds`):
 * well past the advertised max-age, and past the 10 minutes some relying-party
 * libraries keep a JWKS on their own (jose's createRemoteJWKSet).
 */
const KEY_PROPAGATION_SECONDS = 600;

/** Live key rotation's timeline (README, Operations: signing keys). */
export const keysSchema = z
  .object({
    /** How often each instance reads the key set's version from the store. */
    pollSeconds: z.number().int().min(1).max(300).default(KEY_POLL_SECONDS),
    /** Cache-Control max-age of `/jwks`. */
    jwksMaxAgeSeconds: z.number().int().min(0).max(86_400).default(JWKS_MAX_AGE_SECONDS),
    /** From `admit keys rotate` until the new keys sign; the old keys stay published this long past the longest token's lifetime too. */
    propagationSeconds: z
      .number()
      .int()
      .min(2)
      .max(7 * 86_400)
      .default(KEY_PROPAGATION_SECONDS),
  })
  .strict()
  .superRefine((keys, ctx) => {
    // Every instance publishes the new keys within a poll, and every cached JWKS has expired a max-age later.
    if (keys.propagationSeconds <= keys.jwksMaxAgeSeconds + keys.pollSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['propagationSeconds'],
        message: `must be longer than jwksMaxAgeSeconds + pollSeconds (${keys.jwksMaxAgeSeconds + keys.pollSeconds} s)`,
      });
    }
  });
