import { z } from 'zod';

/** A site's `directory` block for admit's local directory: accounts and password hashes kept by admit itself. */
export const localSettingsSchema = z
  .object({
    kind: z.literal('local'),
    /**
     * A password hash made with less work than admit's argon2id parameters is
     * replaced at its owner's next successful sign-in. false keeps stored hashes
     * as they are (the benchmark's near-free hashes that take the hash out of
     * its protocol sign-in).
     */
    rehashOnSignIn: z.boolean().default(true),
  })
  .strict();

export type LocalSettings = z.infer<typeof localSettingsSchema>;
