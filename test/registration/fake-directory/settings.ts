import { z } from 'zod';

/**
 * The fake directory's `directory` block in a site's config: its kind and
 * its own setting, declared here and nowhere in admit's config.
 */
export function fakeSettingsSchema<Kind extends string>(kind: Kind) {
  return z
    .object({
      kind: z.literal(kind),
      /** Put before the number of each user's externalId (the directory's immutable id). */
      idPrefix: z.string().regex(/^[a-z]+-$/, 'use lower-case letters and a closing -, e.g. fake-'),
    })
    .strict();
}

export type FakeSettings = z.infer<ReturnType<typeof fakeSettingsSchema>>;
