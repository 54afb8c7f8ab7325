import { z } from 'zod';

/**
 * A site's password policy. The defaults are the rules on the seed's Change
 * Password screen (seeds/000, step 14), plus what the seed leaves implicit:
 * a maximum length, the bundled common-password list and a password history.
 * A count of 0 (or `false`) turns that rule off; it is then not shown either.
 */
export const passwordPolicySchema = z
  .object({
    /** Code points after NFC. Floor of 8 (NIST SP 800-63B): a site may ask for more, never less. */
    minLength: z.number().int().min(8).max(64).default(8),
    /** At least 64 so passphrases fit (NIST); the upper bound keeps hashing and matching cheap. */
    maxLength: z.number().int().min(64).max(1024).default(128),
    /** Punctuation, symbols and spaces: anything printable that is not a letter, mark or number. */
    minSpecial: z.number().int().min(0).max(16).default(1),
    /** Any Unicode number (\p{N}): 0-9, other scripts' digits, ², ½. */
    minDigits: z.number().int().min(0).max(16).default(1),
    requireMixedCase: z.boolean().default(true),
    /** Compared case-insensitively, code point by code point. */
    forbidPalindrome: z.boolean().default(true),
    /** Longest run of one character allowed (2: "aa" passes, "aaa" fails). */
    maxRepeat: z.number().int().min(0).max(16).default(2),
    /** Length of a run of the user name the password must not contain. */
    usernameRun: z.number().int().min(0).max(64).default(5),
    /** Length of a run of the old password the new one must not contain. */
    oldPasswordRun: z.number().int().min(0).max(64).default(5),
    /** Words refused anywhere in the password, case-insensitively: the seed's "restricted patterns [List]". */
    restrictedPatterns: z
      .array(z.string().trim().min(3).max(64))
      .max(1000)
      .default(['password', 'passwort', 'welcome', 'itron', 'qwerty', 'letmein', 'admin', 'changeme']),
    /** Refuse passwords on the bundled list of common and breached passwords. */
    checkCommonPasswords: z.boolean().default(true),
    /** How many previous passwords (argon2id hashes, newest first) may not be reused. */
    historyCount: z.number().int().min(0).max(24).default(5),
  })
  .strict()
  .refine((p) => p.minLength <= p.maxLength, {
    message: 'minLength must not exceed maxLength',
    path: ['minLength'],
  });

export type PasswordPolicy = z.infer<typeof passwordPolicySchema>;

/** The seed's policy, for sites that configure none. */
export const defaultPasswordPolicy: PasswordPolicy = passwordPolicySchema.parse({});
